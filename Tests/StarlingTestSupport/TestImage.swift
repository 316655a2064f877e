public import Foundation
import StarlingFormat
public import StarlingOCI

/// Small synthetic images written into an OCI layout: random layer bytes (gzip media type
/// but opaque content: registries do not inspect layers), a real config and manifest.
public enum TestImage {
  /// Writes an image with layers of the given sizes; returns its manifest document.
  @discardableResult
  public static func write(
    into layout: OCILayout, tag: String, layerSizes: [Int], platform: Platform = .current, seed: UInt64 = 1
  ) throws -> ManifestDocument {
    var generator = SeededGenerator(seed: seed)
    var layers: [Descriptor] = []
    for size in layerSizes {
      let bytes = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
      layers.append(try layout.writeBlob(bytes, mediaType: MediaType.ociLayerTarGzip))
    }
    let config = ImageConfig(
      platform: platform, diffIDs: layers.map(\.digest), config: .init(Cmd: ["/bin/true"]))
    let configBytes = try ManifestDocument.canonicalEncoder.encode(config)
    let configDescriptor = try layout.writeBlob(configBytes, mediaType: MediaType.ociConfig)
    let document = try ManifestDocument.encoding(Manifest(config: configDescriptor, layers: layers))
    try layout.writeBlob(document.bytes, mediaType: MediaType.ociManifest)
    try layout.tag(document.descriptor, as: tag)
    return document
  }
}

/// A deterministic random generator (SplitMix64), so test content is reproducible.
public struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64

  public init(seed: UInt64) {
    state = seed
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A temporary directory removed when the test ends.
public final class TemporaryDirectory: Sendable {
  public let url: URL

  public init() throws {
    url = FileManager.default.temporaryDirectory.appending(path: "starling-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(at: url)
  }
}
