/// A selector with its regular expression compiled once (`Regex` is not `Sendable`, so the
/// public ``SnapshotFilter`` keeps only the pattern and compiles it here).
struct CompiledSelector {
  let selector: SnapshotFilter.Selector
  let regex: Regex<AnyRegexOutput>?

  init(_ selector: SnapshotFilter.Selector) {
    self.selector = selector
    // A pattern that does not compile was rejected when parsing; nil here matches nothing.
    self.regex = selector.op == .matches ? try? Self.regex(selector.value) : nil
  }

  static func regex(_ pattern: String) throws(FilterSyntaxError) -> Regex<AnyRegexOutput> {
    do {
      return try Regex(pattern).matchingSemantics(.unicodeScalar)
    } catch {
      throw FilterSyntaxError(position: 0, message: "bad regular expression /\(pattern)/: \(error)")
    }
  }

  /// containerd's `selector.Match`.
  func matches(_ info: SnapshotInfo) -> Bool {
    let value = info.filterField(selector.fieldPath)
    switch selector.op {
    case .present: return value != nil
    case .equal: return value == selector.value
    case .notEqual: return value != selector.value
    case .matches:
      guard let regex else { return false }
      return (value ?? "").contains(regex)
    }
  }
}

/// The selectors of one filter, compiled.
struct CompiledFilter {
  let selectors: [CompiledSelector]

  init(_ filter: SnapshotFilter) {
    selectors = filter.selectors.map(CompiledSelector.init)
  }

  func matches(_ info: SnapshotInfo) -> Bool {
    selectors.allSatisfy { $0.matches(info) }
  }

  /// A predicate true when any filter matches; always true for no filters.
  static func anyOf(_ filters: [SnapshotFilter]) -> (SnapshotInfo) -> Bool {
    if filters.isEmpty { return { _ in true } }
    let compiled = filters.map(CompiledFilter.init)
    return { info in compiled.contains { $0.matches(info) } }
  }
}

extension SnapshotInfo {
  /// The value a filter sees for a field path, nil when absent (containerd's `adaptSnapshot`).
  func filterField(_ path: [String]) -> String? {
    guard let field = path.first else { return nil }
    switch field {
    case "kind": return kind.filterName
    case "name": return name
    case "parent": return parent ?? ""
    case "labels":
      if labels.isEmpty { return nil }
      return labels[path.dropFirst().joined(separator: ".")]
    default: return nil
    }
  }
}
