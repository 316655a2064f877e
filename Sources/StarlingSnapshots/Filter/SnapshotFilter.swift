/// One containerd filter: a conjunction of field selectors, as sent in `ListSnapshotsRequest.filters`.
///
/// The syntax is containerd's (`filters/parser.go`):
///
/// ```
/// filter    := selector ("," selector)*          all selectors must match
/// selector  := fieldpath [operator value]        no operator: the field is present
/// fieldpath := field ("." field)*
/// field     := quoted | [A-Za-z0-9_-]+
/// operator  := "==" | "!=" | "~="
/// value     := quoted | any run of printable characters but "," and spaces
/// quoted    := "..." | /.../ | |...|             Go escapes: \n \t \\ \" \xHH \uHHHH \ooo ...
/// ```
///
/// For example containerd, after a remote snapshotter answers AlreadyExists, lists with
/// `labels."containerd.io/snapshot.ref"==sha256:123,parent=="sha256:456"`. Several filters in
/// one request are ORed (``matchesAny(_:_:)``); the empty filter matches everything.
///
/// Fields (containerd's `adaptSnapshot`): `name`, `parent` (empty when there is none), `kind`
/// (`active`, `view`, `committed`) and `labels.<key>`, where the key is the rest of the path
/// joined with "." (so `labels.a.b` is the label `a.b`). Any other field is absent.
///
/// Deviations from containerd, both stricter or friendlier, never looser on what matches:
/// a `~=` pattern that does not compile is rejected when parsing (containerd logs it and
/// matches nothing), and spaces are allowed around "," (containerd rejects a space before it).
/// Patterns are Swift regular expressions, which agree with Go's RE2 on the usual syntax.
public struct SnapshotFilter: Sendable, Equatable, CustomStringConvertible {
  /// How a selector compares the field's value.
  public enum Operator: String, Sendable, Equatable {
    /// The field is present (no operator written).
    case present = ""
    /// `==`: present and equal.
    case equal = "=="
    /// `!=`: absent, or present and different.
    case notEqual = "!="
    /// `~=`: the regular expression matches somewhere in the value (an absent field is "").
    case matches = "~="
  }

  /// One `fieldpath op value` term.
  public struct Selector: Sendable, Equatable {
    /// The field path, unquoted: `["labels", "containerd.io/snapshot.ref"]`.
    public var fieldPath: [String]
    /// The comparison.
    public var op: Operator
    /// The value, unquoted; empty for ``Operator/present``.
    public var value: String

    public init(fieldPath: [String], op: Operator, value: String = "") {
      self.fieldPath = fieldPath
      self.op = op
      self.value = value
    }
  }

  /// The text the filter was parsed from.
  public let source: String
  /// The selectors, all of which must match; none for the empty filter.
  public let selectors: [Selector]

  /// Parses one filter; a malformed one throws `invalidArgument` naming the filter and the position.
  public init(parsing source: String) throws(SnapshotError) {
    self.source = source
    if source.isEmpty {
      self.selectors = []
      return
    }
    do {
      var parser = FilterParser(source)
      self.selectors = try parser.parse()
      for selector in selectors where selector.op == .matches {
        _ = try CompiledSelector.regex(selector.value)
      }
    } catch {
      throw .invalidArgument(reason: "invalid filter \"\(source)\": \(error)")
    }
  }

  public var description: String { source }

  /// Whether every selector matches the snapshot.
  public func matches(_ info: SnapshotInfo) -> Bool {
    CompiledFilter(self).matches(info)
  }

  /// Whether any of the filters matches (containerd's `ParseAll`); no filters match everything.
  public static func matchesAny(_ filters: [SnapshotFilter], _ info: SnapshotInfo) -> Bool {
    CompiledFilter.anyOf(filters)(info)
  }
}

/// Why a filter did not parse: the position (in Unicode scalars) and what was expected.
struct FilterSyntaxError: Error, CustomStringConvertible {
  var position: Int
  var message: String

  var description: String { "\(message) at position \(position)" }
}
