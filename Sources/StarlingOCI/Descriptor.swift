public import Foundation
public import StarlingFormat

/// A reference to content: media type, digest and size, plus optional metadata.
///
/// See https://github.com/opencontainers/image-spec/blob/main/specs-go/v1/descriptor.go
public struct Descriptor: Codable, Sendable, Hashable {
  /// The media type of the referenced content.
  public var mediaType: String
  /// The digest of the referenced content's exact bytes.
  public var digest: Digest
  /// The size in bytes of the referenced content.
  public var size: Int64
  /// Alternative locations of the content.
  public var urls: [String]?
  /// Arbitrary metadata.
  public var annotations: [String: String]?
  /// Embedded content (base64 in JSON).
  public var data: Data?
  /// The platform an index entry is for.
  public var platform: Platform?
  /// The type of an artifact when the descriptor refers to one.
  public var artifactType: String?

  public init(
    mediaType: String, digest: Digest, size: Int64, urls: [String]? = nil,
    annotations: [String: String]? = nil, platform: Platform? = nil, artifactType: String? = nil
  ) {
    self.mediaType = mediaType
    self.digest = digest
    self.size = size
    self.urls = urls
    self.annotations = annotations
    self.platform = platform
    self.artifactType = artifactType
  }

  /// A descriptor for `bytes` with the given media type.
  public init(mediaType: String, bytes: Data) {
    self.init(mediaType: mediaType, digest: .sha256(of: bytes), size: Int64(bytes.count))
  }

  /// Checks that `bytes` are what this descriptor refers to.
  public func verify(_ bytes: Data) throws(OCIError) {
    guard Int64(bytes.count) == size else {
      throw .sizeMismatch(digest: digest, expected: size, actual: Int64(bytes.count))
    }
    let actual = Digest.sha256(of: bytes)
    guard actual == digest else { throw .digestMismatch(expected: digest, actual: actual) }
  }
}

/// Annotation keys with a meaning in the OCI spec.
public enum AnnotationKey {
  /// The tag of a manifest inside an OCI layout's index.json.
  public static let refName = "org.opencontainers.image.ref.name"
  public static let created = "org.opencontainers.image.created"
}
