/// Media types of the OCI image spec and Docker's schema 2 that Starling understands.
///
/// See https://github.com/opencontainers/image-spec/blob/main/media-types.md
public enum MediaType {
  public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
  public static let ociIndex = "application/vnd.oci.image.index.v1+json"
  public static let ociConfig = "application/vnd.oci.image.config.v1+json"
  public static let ociLayout = "application/vnd.oci.layout.header.v1+json"
  public static let ociEmpty = "application/vnd.oci.empty.v1+json"
  public static let ociLayerTar = "application/vnd.oci.image.layer.v1.tar"
  public static let ociLayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
  public static let ociLayerTarZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
  public static let ociLayerNondistributableTar = "application/vnd.oci.image.layer.nondistributable.v1.tar"
  public static let ociLayerNondistributableTarGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
  public static let ociLayerNondistributableTarZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

  public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
  public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
  public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
  public static let dockerLayerTarGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
  public static let dockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar"
  public static let dockerForeignLayerTarGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

  /// Manifest types (single image).
  public static let manifests: Set<String> = [ociManifest, dockerManifest]
  /// Index types (multi-platform).
  public static let indexes: Set<String> = [ociIndex, dockerManifestList]
  /// Everything a registry may answer for a manifest request, in preference order.
  public static let acceptedManifests: [String] = [ociIndex, dockerManifestList, ociManifest, dockerManifest]
  /// Image configuration types.
  public static let configs: Set<String> = [ociConfig, dockerConfig]

  /// The compression of a layer media type, or nil when it is not a layer type.
  public static func layerCompression(_ mediaType: String) -> LayerCompression? {
    switch mediaType {
    case ociLayerTar, ociLayerNondistributableTar, dockerLayerTar: .uncompressed
    case ociLayerTarGzip, ociLayerNondistributableTarGzip, dockerLayerTarGzip, dockerForeignLayerTarGzip: .gzip
    case ociLayerTarZstd, ociLayerNondistributableTarZstd: .zstd
    default: nil
    }
  }
}

/// How a layer's tar stream is compressed.
public enum LayerCompression: String, Sendable, Codable {
  case uncompressed
  case gzip
  case zstd
}
