public import Foundation
import StarlingCompression
public import StarlingFormat
public import StarlingOCI

/// Converts a whole image (one manifest, or every/one manifest of an index) to Starling layers.
///
/// Blobs are written before the manifests that name them and the destination tag last,
/// so a failed conversion leaves no tag. Layers shared between platforms are converted once.
public struct ImageConverter: Sendable {
  public var options: ConversionOptions
  /// Convert only this platform's image of an index.
  public var platform: Platform?
  /// Where temporary converted blobs are written.
  public var workDirectory: URL

  public init(options: ConversionOptions = ConversionOptions(), platform: Platform? = nil, workDirectory: URL) {
    self.options = options
    self.platform = platform
    self.workDirectory = workDirectory
  }

  /// What a conversion did.
  public struct Report: Sendable {
    /// The root manifest or index written.
    public var root: Descriptor
    /// True when the source already was a Starling image (then it is copied unchanged).
    public var alreadyConverted: Bool
    /// Per converted layer: source digest, new descriptor, stats.
    public var layers: [LayerReport]
    public var seconds: Double
  }

  /// One converted layer.
  public struct LayerReport: Sendable {
    public var source: Descriptor
    public var converted: Descriptor
    public var diffID: Digest
    public var stats: LayerStats
    public var seconds: Double
  }

  /// Runs the conversion.
  public func convert(
    from source: some ImageSource, to destination: some ImageDestination, observer: (any ConversionObserver)? = nil
  ) async throws -> Report {
    let started = ContinuousClock.now
    var root = try await source.resolveRoot()
    if case .index(let index) = root.content, let platform {
      guard let entry = index.manifests(for: platform).first else {
        throw OCIError.platformNotFound(platform, available: index.manifests.compactMap { $0.platform?.description })
      }
      root = try await source.manifest(entry)
    }
    if try await isConverted(root, source) {
      let copy = try await ImageCopier().copy(from: PinnedSource(base: source, root: root), to: destination)
      return Report(
        root: copy.root, alreadyConverted: true, layers: [], seconds: (ContinuousClock.now - started).seconds)
    }
    try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
    var state = ConversionState()
    let newRoot: ManifestDocument
    switch root.content {
    case .manifest(let manifest):
      newRoot = try await convertManifest(manifest, of: root, source, destination, &state, observer)
    case .index(var index):
      var entries: [Descriptor] = []
      for entry in index.manifests {
        let child = try await source.manifest(entry)
        guard case .manifest(let manifest) = child.content else {
          throw ConvertError.invalidImage(reason: "nested index \(entry.digest) is not supported")
        }
        let converted = try await convertManifest(manifest, of: child, source, destination, &state, observer)
        try await destination.putManifest(converted)
        var descriptor = converted.descriptor
        descriptor.platform = entry.platform
        descriptor.annotations = entry.annotations
        entries.append(descriptor)
      }
      index.manifests = entries
      index.mediaType = MediaType.ociIndex
      newRoot = try ManifestDocument.encoding(index)
    }
    try await destination.putRootManifest(newRoot)
    return Report(
      root: newRoot.descriptor, alreadyConverted: false, layers: state.reports,
      seconds: (ContinuousClock.now - started).seconds)
  }

  private func isConverted(_ root: ManifestDocument, _ source: some ImageSource) async throws -> Bool {
    var manifests: [Manifest] = []
    switch root.content {
    case .manifest(let m): manifests = [m]
    case .index(let index):
      for entry in index.manifests {
        guard case .manifest(let m) = try await source.manifest(entry).content else { return false }
        manifests.append(m)
      }
    }
    return !manifests.isEmpty && manifests.allSatisfy { $0.layers.allSatisfy(Self.isStarlingLayer) }
  }

  /// Whether a layer descriptor already names a Starling chunked layer.
  public static func isStarlingLayer(_ layer: Descriptor) -> Bool {
    layer.mediaType == MediaType.ociLayerTarZstd && layer.annotations?[LayerAnnotation.indexDigest] != nil
  }
}

/// Progress of a conversion.
public protocol ConversionObserver: Sendable {
  /// A layer starts converting.
  func layerStarted(_ layer: Descriptor)
  /// A layer is done (or reused).
  func layerFinished(_ report: ImageConverter.LayerReport)
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
