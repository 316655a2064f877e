import ArgumentParser
import Foundation
import StarlingConvert
import StarlingFormat
import StarlingOCI
import StarlingRegistry

/// `starling convert SRC DST`: writes the image with Starling chunked layers.
struct ConvertCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert",
    abstract: "Convert an image to Starling's lazily loadable layers (still a valid tar+zstd OCI image).",
    discussion: """
      Each layer becomes a tar+zstd blob cut into independent zstd frames plus a per-file \
      chunk index, located by layer annotations, so starlingd can mount it at once and fetch \
      only the chunks a container reads. Stock runtimes pull and run the result like any \
      other image. rootfs.diff_ids are rewritten to match; nothing else of the image changes. \
      An already converted image is copied unchanged. Blobs go to the destination before \
      the manifest; the tag is written last, so a failed conversion leaves no tag.

      Examples:
        starling convert localhost:5000/app:1 localhost:5000/app:1-starling
        starling convert oci:/tmp/app:1 oci:/tmp/app-starling:1 --platform linux/amd64
      """
  )

  @Argument(help: "Source image: host/repo:tag, host/repo@digest, or oci:DIR[:TAG].")
  var source: String

  @Argument(help: "Destination: host/repo[:tag] or oci:DIR[:TAG].")
  var destination: String

  @Option(help: "Convert only this platform's image of an index (os/arch[/variant]).")
  var platform: String?

  @Option(help: "Uncompressed size of content chunks of large files, in bytes.")
  var chunkSize: Int = 1 << 20

  @Option(help: "zstd level for data frames (1-19).")
  var level: Int32 = 9

  @Option(help: "Compression threads (default: one per core).")
  var jobs: Int?

  @Option(help: "Directory for temporary converted layers (default: the system temporary directory).")
  var workDir: String?

  @Option(
    name: .customLong("src-creds"), help: ArgumentHelp("Source registry credentials.", valueName: "user:password"))
  var sourceCreds: String?

  @Option(
    name: .customLong("dest-creds"), help: ArgumentHelp("Destination registry credentials.", valueName: "user:password")
  )
  var destinationCreds: String?

  @Flag(name: .shortAndLong, help: "Print nothing but errors.")
  var quiet = false

  @OptionGroup var registryOptions: RegistryOptions

  func validate() throws {
    guard (4096...(64 << 20)).contains(chunkSize) else {
      throw ValidationError("--chunk-size must be 4 KiB ... 64 MiB")
    }
    guard (1...19).contains(level) else { throw ValidationError("--level must be 1 ... 19") }
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
  }

  func run() async throws {
    try await reportingErrors {
      let wanted = try parsePlatform(platform)
      let work = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory())
        .appending(path: "starling-convert-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: work) }
      let specs: [RegistryOptions.EndpointSpec] = [
        .init(argument: source, credentials: sourceCreds),
        .init(argument: destination, credentials: destinationCreds, create: true),
      ]
      try await registryOptions.withEndpoints(specs) { endpoints in
        let (src, dst) = (endpoints[0], endpoints[1])
        let options = ConversionOptions(
          chunkSize: chunkSize, inlineLimit: min(64 << 10, chunkSize), level: level, workers: jobs)
        let converter = ImageConverter(options: options, platform: wanted, workDirectory: work)
        let observer = quiet ? nil : ConversionPrinter()
        let report = try await converter.convert(from: src.source, to: dst.destination, observer: observer)
        guard !quiet else { return }
        if report.alreadyConverted {
          print("\(src.source.displayName) is already a Starling image; copied unchanged as \(report.root.digest)")
          return
        }
        let tar = report.layers.reduce(UInt64(0)) { $0 + $1.stats.tarBytes }
        let input = report.layers.reduce(Int64(0)) { $0 + $1.source.size }
        let output = report.layers.reduce(UInt64(0)) { $0 + $1.stats.blobBytes }
        print(
          "Converted \(src.source.displayName) -> \(dst.destination.displayName): \(report.root.digest)\n"
            + "  \(report.layers.count) layers, \(ByteCount.format(Int64(tar))) uncompressed, "
            + "\(ByteCount.format(input)) -> \(ByteCount.format(Int64(output))) compressed "
            + String(
              format: "(%+.1f%%), %.1f s, %.0f MB/s", (Double(output) / Double(max(input, 1)) - 1) * 100,
              report.seconds, Double(tar) / 1e6 / max(report.seconds, 0.001)))
      }
    }
  }
}

/// One line per layer as it finishes.
struct ConversionPrinter: ConversionObserver {
  func layerStarted(_ layer: Descriptor) {}

  func layerFinished(_ report: ImageConverter.LayerReport) {
    let s = report.stats
    let line =
      "  \(report.source.digest.short) -> \(report.converted.digest.short): \(s.entries) entries, "
      + "\(s.chunkFrames + s.groupFrames) frames, \(ByteCount.format(Int64(s.tarBytes))) -> \(ByteCount.format(Int64(s.blobBytes))), "
      + "index \(ByteCount.format(Int64(s.indexBytes))), \(String(format: "%.1f", report.seconds)) s"
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }
}
