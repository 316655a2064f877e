public import StarlingFormat

/// A registry image reference: `[registry/]repository[:tag][@digest]`.
///
/// Follows the Docker reference grammar: the first path component is a registry when it
/// contains `.` or `:` or is `localhost`; otherwise the registry is Docker Hub, and a
/// single-component name gets the `library/` prefix.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
  /// Registry host with optional port, e.g. `docker.io`, `localhost:5000`.
  public var registry: String
  /// Repository path within the registry, e.g. `library/debian`.
  public var repository: String
  /// The tag, if any.
  public var tag: String?
  /// The digest, if any; it wins over the tag when both are present.
  public var digest: Digest?

  public static let dockerHub = "docker.io"

  public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
    self.registry = registry
    self.repository = repository
    self.tag = tag
    self.digest = digest
  }

  /// Parses a reference; a reference with neither tag nor digest gets tag `latest`.
  public init(parsing string: String) throws(OCIError) {
    func fail(_ reason: String) -> OCIError { .malformedReference(string, reason: reason) }
    guard !string.isEmpty else { throw fail("empty reference") }
    guard string.count <= 4096 else { throw fail("longer than 4096 characters") }
    guard !string.contains("://") else {
      throw fail("a reference has no scheme; write 'host/repo:tag' (use --insecure-registry for plain HTTP)")
    }
    var rest = Substring(string)
    var digest: Digest?
    if let at = rest.firstIndex(of: "@") {
      do {
        digest = try Digest(parsing: String(rest[rest.index(after: at)...]))
      } catch {
        throw fail(error.description)
      }
      rest = rest[..<at]
    }
    var tag: String?
    if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
      let candidate = String(rest[rest.index(after: colon)...])
      guard Self.isValidTag(candidate) else {
        throw fail("tag '\(candidate)' must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
      }
      tag = candidate
      rest = rest[..<colon]
    }
    var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    var registry = Self.dockerHub
    if components.count > 1, let first = components.first,
      first.contains(".") || first.contains(":") || first == "localhost" || first.first == "["
    {
      guard Self.isValidHost(first) else { throw fail("registry host '\(first)' is not a valid host[:port]") }
      registry = first
      components.removeFirst()
    }
    guard !components.isEmpty, components.allSatisfy(Self.isValidComponent) else {
      throw fail(
        "repository '\(components.joined(separator: "/"))' must be lowercase path components of [a-z0-9] separated by '.', '_', '__' or '-'"
      )
    }
    if registry == Self.dockerHub || registry == "index.docker.io" || registry == "registry-1.docker.io" {
      registry = Self.dockerHub
      if components.count == 1 { components.insert("library", at: 0) }
    }
    let repository = components.joined(separator: "/")
    guard registry.count + 1 + repository.count <= 255 else { throw fail("name longer than 255 characters") }
    if tag == nil && digest == nil { tag = "latest" }
    self.init(registry: registry, repository: repository, tag: tag, digest: digest)
  }

  /// The tag or digest to ask the registry for (the digest when both are set).
  public var reference: String { digest?.description ?? tag ?? "latest" }

  /// The same repository at another tag or digest.
  public func with(tag: String? = nil, digest: Digest? = nil) -> ImageReference {
    ImageReference(registry: registry, repository: repository, tag: tag, digest: digest)
  }

  public var description: String {
    var s = "\(registry)/\(repository)"
    if let tag { s += ":\(tag)" }
    if let digest { s += "@\(digest)" }
    return s
  }

  private static func isValidTag(_ tag: String) -> Bool {
    guard let first = tag.first, tag.count <= 128, first.isASCII, first.isLetter || first.isNumber || first == "_"
    else {
      return false
    }
    return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
  }

  private static func isValidComponent(_ c: String) -> Bool {
    guard let first = c.first, let last = c.last, isAlnum(first), isAlnum(last) else { return false }
    var run = ""
    for ch in c {
      if isAlnum(ch) {
        guard run.isEmpty || run == "." || run == "_" || run == "__" || run.allSatisfy({ $0 == "-" }) else {
          return false
        }
        run = ""
      } else if "._-".contains(ch) {
        run.append(ch)
      } else {
        return false
      }
    }
    return true
  }

  private static func isAlnum(_ c: Character) -> Bool {
    c.isASCII && (c.isLowercase || c.isNumber)
  }

  private static func isValidHost(_ host: String) -> Bool {
    var name = Substring(host)
    if name.first == "[" {
      guard let close = name.firstIndex(of: "]") else { return false }
      let after = name[name.index(after: close)...]
      return after.isEmpty || (after.first == ":" && after.dropFirst().allSatisfy(\.isNumber) && after.count > 1)
    }
    if let colon = name.lastIndex(of: ":") {
      let port = name[name.index(after: colon)...]
      guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(port), p <= 65535 else {
        return false
      }
      name = name[..<colon]
    }
    return !name.isEmpty
      && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
        !label.isEmpty && label.first != "-" && label.last != "-"
          && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
      }
  }
}
