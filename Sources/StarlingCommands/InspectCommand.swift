import ArgumentParser
import Foundation
import StarlingConvert
import StarlingFormat
import StarlingOCI
import StarlingRegistry

/// `starling inspect REF`: per-layer figures of a (converted) image, from the indexes only.
struct InspectCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Show the layers of an image: entries, files, chunks, sizes, index size, dedup savings.",
    discussion: "Reads only manifests and each Starling layer's index (one Range request per layer)."
  )

  @Argument(help: "Image: host/repo:tag, host/repo@digest, or oci:DIR[:TAG].")
  var image: String

  @Option(help: "For an index, show only this platform (os/arch[/variant]).")
  var platform: String?

  @Flag(help: "List every path with its chunk (frame) range and blob byte range.")
  var files = false

  @Flag(help: "Print JSON for scripts.")
  var json = false

  @OptionGroup var registryOptions: RegistryOptions

  func run() async throws {
    try await reportingErrors {
      let wanted = try parsePlatform(platform)
      try await registryOptions.withEndpoints([.init(argument: image)]) { endpoints in
        let endpoint = endpoints[0]
        var result: [String: [LayerSummary]] = [:]
        for (name, manifest) in try await ManifestWalker.manifests(of: endpoint.source, platform: wanted) {
          var layers: [LayerSummary] = []
          for layer in manifest.layers {
            if ImageConverter.isStarlingLayer(layer) {
              let reader = try await StarlingLayerReader(source: endpoint.rangeReader, layer: layer)
              layers.append(try LayerSummary(layer: layer, index: reader.index, listFiles: files))
            } else {
              layers.append(LayerSummary(plain: layer))
            }
          }
          result[name] = layers
        }
        if json {
          let encoder = JSONEncoder()
          encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
          print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
          for (name, layers) in result.sorted(by: { $0.key < $1.key }) {
            print(InspectTable.render(name, layers, files: files))
          }
        }
      }
    }
  }
}

/// Walks a root (manifest or index) down to its image manifests.
enum ManifestWalker {
  static func manifests(of source: any ImageSource, platform: Platform?) async throws -> [(String, Manifest)] {
    let root = try await source.resolveRoot()
    switch root.content {
    case .manifest(let m): return [(root.descriptor.digest.description, m)]
    case .index(let index):
      var out: [(String, Manifest)] = []
      for entry in platform.map({ index.manifests(for: $0) }) ?? index.manifests {
        guard case .manifest(let m) = try await source.manifest(entry).content else { continue }
        out.append((entry.platform?.description ?? entry.digest.description, m))
      }
      return out
    }
  }
}
