import ArgumentParser
import AsyncHTTPClient
import Foundation
import StarlingFormat
import StarlingOCI
import StarlingRegistry

/// `starling copy SRC DST`: moves an image between registries and OCI layouts unchanged.
struct CopyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "copy",
    abstract: "Copy an image between registries and OCI layout folders, byte for byte.",
    discussion: """
      Manifests and blobs are copied unchanged, so digests stay the same. A multi-platform \
      index is copied whole unless --platform picks one image from it. Blobs the destination \
      already holds are skipped; blobs on the same registry are mounted across repositories. \
      The destination tag is written last: a failed copy leaves no tag behind.

      Examples:
        starling copy localhost:5000/app:1 oci:/tmp/app:1
        starling copy oci:/tmp/app:1 registry.example.com/app:1 --dest-creds u:pw
      """
  )

  @Argument(help: "Source: host/repo:tag, host/repo@digest, docker://REF, or oci:DIR[:TAG].")
  var source: String

  @Argument(help: "Destination: host/repo[:tag] or oci:DIR[:TAG].")
  var destination: String

  @Option(help: "Copy only this platform's image from an index (os/arch[/variant]).")
  var platform: String?

  @Option(
    name: .customLong("src-creds"),
    help: ArgumentHelp("Credentials for the source registry.", valueName: "user:password"))
  var sourceCreds: String?

  @Option(
    name: .customLong("dest-creds"),
    help: ArgumentHelp("Credentials for the destination registry.", valueName: "user:password"))
  var destinationCreds: String?

  @Option(help: "Upload blobs in chunks of this many bytes (PATCH) instead of one PUT.")
  var chunkSize: Int?

  @Option(help: "Blobs transferred at once.")
  var jobs: Int = 4

  @Flag(name: .shortAndLong, help: "Print nothing but errors.")
  var quiet = false

  @OptionGroup var registryOptions: RegistryOptions

  func validate() throws {
    for creds in [sourceCreds, destinationCreds].compactMap({ $0 })
    where RegistryCredentials(userColonPassword: creds) == nil {
      throw ValidationError("credentials must be user:password")
    }
    if let chunkSize, chunkSize < 1 { throw ValidationError("--chunk-size must be positive") }
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
  }

  func run() async throws {
    try await reportingErrors {
      let wanted = try parsePlatform(platform)
      let started = ContinuousClock.now
      let specs: [RegistryOptions.EndpointSpec] = [
        .init(argument: source, credentials: sourceCreds),
        .init(argument: destination, credentials: destinationCreds, create: true),
      ]
      try await registryOptions.withEndpoints(specs, uploadChunkSize: chunkSize) { endpoints in
        let (src, dst) = (endpoints[0], endpoints[1])
        let progress = quiet ? nil : TerminalProgress()
        defer { progress?.stop() }
        let report = try await ImageCopier(platform: wanted, concurrency: jobs)
          .copy(from: src.source, to: dst.destination, observer: progress)
        progress?.stop()
        if !quiet {
          let seconds = (ContinuousClock.now - started).seconds
          let parts = [BlobOutcome.copied, .alreadyPresent, .mounted].compactMap { outcome in
            report.blobs[outcome].map { "\($0) \(outcome.rawValue)" }
          }
          print(
            "Copied \(src.source.displayName) -> \(dst.destination.displayName): \(report.root.digest) "
              + "(\(parts.joined(separator: ", ")); \(ByteCount.format(report.bytesCopied)) in \(String(format: "%.1f", seconds)) s)"
          )
        }
      }
    }
  }

}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
