import ArgumentParser
import Foundation
import StarlingConvert
import StarlingFormat
import StarlingOCI
import StarlingRegistry

/// `starling check REF`: verifies a converted image end to end.
struct CheckCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Verify a converted image: blob digests, index digests, every chunk's digest, diff_ids.",
    discussion: "Downloads each layer once and stops at the first problem, naming the layer, frame and offset."
  )

  @Argument(help: "Image: host/repo:tag, host/repo@digest, or oci:DIR[:TAG].")
  var image: String

  @Option(help: "For an index, check only this platform (os/arch[/variant]).")
  var platform: String?

  @OptionGroup var registryOptions: RegistryOptions

  func run() async throws {
    try await reportingErrors {
      let wanted = try parsePlatform(platform)
      let work = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "starling-check-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: work) }
      try await registryOptions.withEndpoints([.init(argument: image)]) { endpoints in
        let endpoint = endpoints[0]
        let report = try await ImageChecker(platform: wanted, workDirectory: work).check(endpoint.source)
        print(
          "OK: \(endpoint.source.displayName): \(report.manifests) manifest(s), \(report.layers) layer(s), "
            + "\(report.frames) chunks verified, \(ByteCount.format(Int64(report.bytes)))")
      }
    }
  }
}
