public import StarlingFormat

/// Problems with image content or references, each naming the offending input.
public enum OCIError: Error, Equatable, CustomStringConvertible {
  case malformedReference(String, reason: String)
  case malformedPlatform(String)
  case malformedManifest(reason: String)
  case malformedConfig(reason: String)
  case unsupportedMediaType(String, context: String)
  case digestMismatch(expected: Digest, actual: Digest)
  case sizeMismatch(digest: Digest, expected: Int64, actual: Int64)
  case platformNotFound(Platform, available: [String])
  case layout(path: String, reason: String)
  case blobNotFound(Digest, location: String)
  case tagNotFound(String, location: String, available: [String])

  public var description: String {
    switch self {
    case .malformedReference(let ref, let reason):
      "invalid image reference '\(ref)': \(reason)"
    case .malformedPlatform(let p):
      "invalid platform '\(p)': expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8"
    case .malformedManifest(let reason):
      "malformed manifest: \(reason)"
    case .malformedConfig(let reason):
      "malformed image config: \(reason)"
    case .unsupportedMediaType(let type, let context):
      "unsupported media type '\(type)': \(context)"
    case .digestMismatch(let expected, let actual):
      "digest mismatch: expected \(expected), content hashes to \(actual)"
    case .sizeMismatch(let digest, let expected, let actual):
      "size mismatch for \(digest): expected \(expected) bytes, got \(actual)"
    case .platformNotFound(let p, let available):
      "no manifest for platform \(p); the index offers: \(available.isEmpty ? "no platforms" : available.joined(separator: ", "))"
    case .layout(let path, let reason):
      "OCI layout \(path): \(reason)"
    case .blobNotFound(let digest, let location):
      "blob \(digest) not found in \(location)"
    case .tagNotFound(let tag, let location, let available):
      "tag '\(tag)' not found in \(location); tags present: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
    }
  }
}
