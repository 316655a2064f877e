public import Foundation
import StarlingCompression
public import StarlingFormat
public import StarlingOCI

/// Verifies a converted image end to end: for every layer the blob digest, the footer and
/// annotations, the index digest and structure, every frame's size and sha256, contiguity,
/// and the diff_id against both the index and the config. Stops at the first problem.
public struct ImageChecker: Sendable {
  public var platform: Platform?
  public var workDirectory: URL

  public init(platform: Platform? = nil, workDirectory: URL) {
    self.platform = platform
    self.workDirectory = workDirectory
  }

  /// What was checked.
  public struct Report: Sendable {
    public var manifests = 0
    public var layers = 0
    public var frames = 0
    public var bytes: UInt64 = 0
  }

  /// The first problem found, located precisely.
  public struct Failure: Error, CustomStringConvertible {
    public var layer: Digest?
    public var reason: String
    public var description: String { layer.map { "layer \($0): \(reason)" } ?? reason }
  }

  public func check(_ source: some ImageSource) async throws -> Report {
    var report = Report()
    let root = try await source.resolveRoot()
    var manifests: [ManifestDocument] = []
    switch root.content {
    case .manifest: manifests = [root]
    case .index(let index):
      let entries = platform.map { index.manifests(for: $0) } ?? index.manifests
      for entry in entries { manifests.append(try await source.manifest(entry)) }
    }
    try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
    var checked = Set<Digest>()
    for document in manifests {
      guard case .manifest(let manifest) = document.content else {
        throw Failure(layer: nil, reason: "nested index \(document.descriptor.digest) is not supported")
      }
      report.manifests += 1
      let configBytes = try await source.withBlobFile(manifest.config, staging: workDirectory, progress: { _ in }) {
        try Data(contentsOf: $0)
      }
      let config = try JSONDecoder().decode(ImageConfig.self, from: configBytes)
      guard config.rootfs.diffIDs.count == manifest.layers.count else {
        throw Failure(
          layer: nil, reason: "config has \(config.rootfs.diffIDs.count) diff_ids for \(manifest.layers.count) layers")
      }
      for (layer, diffID) in zip(manifest.layers, config.rootfs.diffIDs) where checked.insert(layer.digest).inserted {
        guard ImageConverter.isStarlingLayer(layer) else {
          throw Failure(
            layer: layer.digest,
            reason: "not a Starling layer (media type \(layer.mediaType), no index annotations); run starling convert")
        }
        let result = try await source.withBlobFile(layer, staging: workDirectory, progress: { _ in }) { file in
          try await runDetached { try LayerVerifier(layer: layer, expectedDiffID: diffID).verify(file: file) }
        }
        report.layers += 1
        report.frames += result.frames
        report.bytes += UInt64(layer.size)
      }
    }
    return report
  }
}
