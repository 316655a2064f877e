import Foundation
import StarlingOCI

/// Where an image is, as written on the command line.
enum ImageLocation: CustomStringConvertible {
  /// A registry image.
  case registry(ImageReference)
  /// An image in an OCI layout folder, optionally by tag.
  case layout(path: String, tag: String?)

  /// Parses `oci:DIR[:TAG]`, `docker://REF` or a bare reference.
  init(parsing argument: String) throws {
    if argument.hasPrefix("oci:") {
      var rest = String(argument.dropFirst(4))
      var tag: String?
      // A tag follows the last ':' after the last '/'; paths keep their colons otherwise.
      if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
        tag = String(rest[rest.index(after: colon)...])
        rest = String(rest[..<colon])
      }
      guard !rest.isEmpty else { throw OCIError.layout(path: argument, reason: "missing directory after 'oci:'") }
      if let tag, tag.isEmpty { throw OCIError.layout(path: argument, reason: "empty tag after ':'") }
      self = .layout(path: rest, tag: tag)
    } else if argument.hasPrefix("docker://") {
      self = .registry(try ImageReference(parsing: String(argument.dropFirst(9))))
    } else if argument.contains("://") || argument.hasPrefix("oci-archive:") || argument.hasPrefix("dir:") {
      throw OCIError.malformedReference(
        argument, reason: "unknown transport; use a registry reference (host/repo:tag) or oci:DIR[:TAG]")
    } else {
      self = .registry(try ImageReference(parsing: argument))
    }
  }

  var description: String {
    switch self {
    case .registry(let ref): ref.description
    case .layout(let path, let tag): "oci:\(path)\(tag.map { ":\($0)" } ?? "")"
    }
  }
}
