/// A single-platform image manifest (OCI, or Docker schema 2 which has the same shape).
///
/// See https://github.com/opencontainers/image-spec/blob/main/specs-go/v1/manifest.go
public struct Manifest: Codable, Sendable, Equatable {
  /// Always 2.
  public var schemaVersion: Int
  /// The manifest's own media type (required for Docker, recommended for OCI).
  public var mediaType: String?
  /// The artifact type when the manifest is an artifact rather than an image.
  public var artifactType: String?
  /// The image configuration.
  public var config: Descriptor
  /// The layers, base first.
  public var layers: [Descriptor]
  /// The manifest this one refers to (referrers API).
  public var subject: Descriptor?
  /// Arbitrary metadata.
  public var annotations: [String: String]?

  public init(
    mediaType: String = MediaType.ociManifest, config: Descriptor, layers: [Descriptor],
    annotations: [String: String]? = nil
  ) {
    self.schemaVersion = 2
    self.mediaType = mediaType
    self.config = config
    self.layers = layers
    self.annotations = annotations
  }

  /// Whether this manifest describes a runnable image (its config is an image config).
  public var isImage: Bool { MediaType.configs.contains(config.mediaType) }
}

/// A multi-platform index (OCI image index or Docker manifest list).
///
/// See https://github.com/opencontainers/image-spec/blob/main/specs-go/v1/index.go
public struct ImageIndex: Codable, Sendable, Equatable {
  /// Always 2.
  public var schemaVersion: Int
  /// The index's own media type.
  public var mediaType: String?
  /// The artifact type when the index is an artifact.
  public var artifactType: String?
  /// The manifests, each usually with a platform.
  public var manifests: [Descriptor]
  /// The manifest this one refers to (referrers API).
  public var subject: Descriptor?
  /// Arbitrary metadata.
  public var annotations: [String: String]?

  public init(mediaType: String = MediaType.ociIndex, manifests: [Descriptor], annotations: [String: String]? = nil) {
    self.schemaVersion = 2
    self.mediaType = mediaType
    self.manifests = manifests
    self.annotations = annotations
  }

  /// The entries that run on `platform`, best first (exact variant before default variant).
  public func manifests(for platform: Platform) -> [Descriptor] {
    manifests.filter { entry in
      guard let p = entry.platform else { return false }
      return platform.matches(p)
    }
  }
}
