/// Why a tar stream could not be read, or an entry could not be written.
///
/// Reader errors that concern one member only (`unsafePath`, `unsafeLinkTarget`, `unsupported`, and most
/// `invalidHeader`/`limitExceeded` about a field other than the size) leave the reader usable: the next call to
/// `next()` skips that member. Every other error is final and is thrown again by later calls.
public enum TarError: Error, Equatable, CustomStringConvertible {
  /// The 512-byte block at `offset` is not a tar header (its checksum does not match).
  case badChecksum(offset: Int64)
  /// The input ended inside a header, extended header, content or padding.
  case truncated(path: String?, offset: Int64)
  /// The header at `offset` has a malformed field or an inconsistent extension.
  case invalidHeader(path: String?, offset: Int64, reason: String)
  /// The member's path is unsafe: it climbs above the root, contains NUL, or names the root as a non-directory.
  case unsafePath(path: String, reason: String)
  /// A hard link's target climbs above the root, or a link target contains NUL.
  case unsafeLinkTarget(path: String, target: String)
  /// A size, path, extended header, xattr count or sparse map is larger than `TarLimits` allows.
  case limitExceeded(path: String?, what: String)
  /// The member uses a feature this reader does not implement (an unknown typeflag, a non-UTF-8 name).
  case unsupported(path: String?, reason: String)
  /// The byte source threw; `TarReader.sourceError` holds the original error.
  case readFailed(offset: Int64, reason: String)
  /// TarWriter cannot write this entry so that TarReader returns it unchanged.
  case invalidEntry(path: String, reason: String)

  public var description: String {
    switch self {
    case .badChecksum(let offset):
      return "The tar header at offset \(offset) has a bad checksum (the data there is not a tar header)."
    case .truncated(let path, let offset):
      return "The tar stream ends unexpectedly at offset \(offset)\(Self.member(path))."
    case .invalidHeader(let path, let offset, let reason):
      return "The tar header at offset \(offset)\(Self.member(path)) is invalid: \(reason)."
    case .unsafePath(let path, let reason):
      return "The tar member \(Self.quoted(path)) has an unsafe path: \(reason)."
    case .unsafeLinkTarget(let path, let target):
      return "The tar member \(Self.quoted(path)) links to \(Self.quoted(target)), which is outside the archive root."
    case .limitExceeded(let path, let what):
      return "The tar member\(path.map { " " + Self.quoted($0) } ?? "") exceeds a limit: \(what)."
    case .unsupported(let path, let reason):
      return "The tar member\(path.map { " " + Self.quoted($0) } ?? "") is not supported: \(reason)."
    case .readFailed(let offset, let reason):
      return "Reading the tar stream failed at offset \(offset): \(reason)."
    case .invalidEntry(let path, let reason):
      return "The tar entry \(Self.quoted(path)) cannot be written: \(reason)."
    }
  }

  private static func member(_ path: String?) -> String {
    path.map { " (in member \(quoted($0)))" } ?? ""
  }

  /// Quotes with control characters escaped so hostile names cannot garble logs.
  private static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars.prefix(4096) {
      switch scalar {
      case "\"", "\\": out += "\\\(scalar)"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
