import ArgumentParser
import Foundation
import Logging
import StarlingCache
import StarlingFS
import StarlingFetch
import StarlingFormat
import StarlingMount
import StarlingOCI
import StarlingSystem

/// `starling mount IMAGE DIR`: serves a converted image lazily at DIR.
struct MountCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mount",
    abstract: "Mount a converted image lazily: files appear at once, content is fetched on access.",
    discussion: """
      Reads each layer's chunk index (one Range request per layer), mounts every layer with \
      FUSE and stacks them with overlayfs at DIR, read-only unless --writable. Chunks are \
      fetched from the registry when first read, verified, and kept in the blob cache under \
      --root, shared by all mounts. Runs in the background once mounted (logs in \
      <root>/mounts/<id>/log) unless --foreground; stop it with `starling umount DIR`. If the \
      process dies, a guard process detaches its mounts.
      """
  )

  @Argument(help: "Converted image: host/repo:tag, host/repo@digest, or oci:DIR[:TAG].")
  var image: String

  @Argument(help: "Existing directory to mount the image at.")
  var directory: String

  @Option(help: "For a multi-platform image, the platform to mount (os/arch[/variant]; default: this machine's).")
  var platform: String?

  @Option(help: "State and blob cache directory.")
  var root = "/var/lib/starling"

  @Option(help: "Bound of the blob cache (shared by all mounts under --root).")
  var cacheSize = ByteSizeArgument(bytes: 10 << 30)

  @Option(help: "Seconds a read waits for the registry (retrying) before it fails with EIO.")
  var fetchTimeout: Double = 60

  @Option(help: "Read ahead up to this much of a file in the background once it is opened (0: off).")
  var readAhead = ByteSizeArgument(bytes: 64 << 20)

  @Option(help: "Record each file's first access (open or read) as JSON lines in this file.")
  var trace: String?

  @Flag(help: "Give the mount a writable upper directory (discarded at unmount).")
  var writable = false

  @Flag(help: "Stay in the foreground; stop with Ctrl-C or SIGTERM.")
  var foreground = false

  @Flag(help: .hidden)
  var daemonChild = false

  @OptionGroup var registryOptions: RegistryOptions

  func validate() throws {
    guard fetchTimeout > 0 else { throw ValidationError("--fetch-timeout must be positive") }
  }

  func run() async throws {
    if !foreground && !daemonChild {
      var status: Int32 = 0
      try await reportingErrors {
        status = try BackgroundLauncher.launch(arguments: CommandLine.arguments + ["--daemon-child"])
      }
      if status != 0 { throw ExitCode(status) }
      return
    }
    if daemonChild { _ = setsid() }
    LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    try await reportingErrors { try await serve() }
  }

  private func serve() async throws {
    let logger = Logger(label: "starling.mount")
    let mountpoint = try MountCommand.resolve(directory)
    let directory = MountDirectory(root: URL(fileURLWithPath: root).standardizedFileURL, mountpoint: mountpoint)
    try FileManager.default.createDirectory(at: directory.url, withIntermediateDirectories: true)
    var guardOutput: FileHandle?
    if daemonChild {
      // The guard must not hold the launcher's pipes open: it writes to the log instead.
      _ = FileManager.default.createFile(atPath: directory.log.path, contents: nil)
      guardOutput = FileHandle(forWritingAtPath: directory.log.path)
    }
    let guardian = try MountGuardClient(
      executable: MountCommand.executable, arguments: ["mount-guard"], output: guardOutput)
    guardian.remove(directory.url.path)
    var options = ImageMount.Options()
    options.fetch = ChunkFetcher.Options(
      fetchTimeout: .milliseconds(Int64(fetchTimeout * 1000)), readAheadBytes: readAhead.bytes)
    options.filesystem.readAheadOnOpen = readAhead.bytes > 0
    options.writable = writable
    options.tracePath = trace.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    do {
      try await registryOptions.withEndpoints([.init(argument: image)]) { endpoints in
        let start = ContinuousClock.now
        let manifest = try await MountCommand.manifest(of: endpoints[0].source, image: image, platform: platform)
        let store = try DiskChunkStore(directory: directory.cache, maxBytes: cacheSize.bytes)
        let mount = try await ImageMount.mount(
          image: image, manifest: manifest, reader: endpoints[0].rangeReader, store: store, directory: directory,
          options: options, guardian: guardian, logger: logger)
        let elapsed = start.duration(to: .now)
        try MountState(
          image: image, mountpoint: mountpoint, pid: getpid(), layers: mount.layerMountpoints,
          writable: writable
        ).save(directory)
        let imageSize = manifest.layers.reduce(Int64(0)) { $0 + $1.size }
        let milliseconds = MountCommand.milliseconds(elapsed)
        let snapshot = { @Sendable in
          MountStatistics(
            imageBytes: imageSize, indexBytes: Int64(mount.indexBytes), mountMilliseconds: milliseconds,
            fetch: await mount.statistics())
        }
        try await snapshot().save(directory)
        print(
          "mounted \(image) at \(mountpoint): \(manifest.layers.count) layers in \(milliseconds) ms, "
            + "fetched \(ByteCount.format(Int64(mount.indexBytes))) of \(ByteCount.format(imageSize))")
        if daemonChild { try BackgroundLauncher.detachOutput(log: directory.log) }
        logger.info(
          "mounted",
          metadata: ["image": "\(image)", "mountpoint": "\(mountpoint)", "layers": "\(manifest.layers.count)"])
        // Live figures for `starling umount`, tests and benchmarks.
        let reporter = Task {
          var last: MountStatistics?
          while !Task.isCancelled {
            let current = await snapshot()
            if current != last { try? current.save(directory) }
            last = current
            try? await Task.sleep(for: .milliseconds(250))
          }
        }
        let signal = await SignalWaiter.next([SIGINT, SIGTERM])
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        reporter.cancel()
        try await mount.unmount(force: true, guardian: guardian)
        let final = await snapshot()
        try? final.save(directory)
        logger.info("unmounted", metadata: ["mountpoint": "\(mountpoint)", "figures": "\(final.summary)"])
        if !daemonChild { print("unmounted \(mountpoint): \(final.summary)") }
      }
    } catch {
      try? FileManager.default.removeItem(at: directory.url)
      guardian.dismiss()
      throw error
    }
    // Stopped by `starling umount`: leave the final figures for it to print; it removes
    // the directory afterwards.
    try? directory.removeState(keepingFigures: FileManager.default.fileExists(atPath: directory.umountRequest.path))
    guardian.dismiss()
  }

  /// The one manifest to mount: the image's, or for an index the wanted (or this machine's) platform's.
  static func manifest(of source: any ImageSource, image: String, platform: String?) async throws -> Manifest {
    try await source.imageManifest(for: try parsePlatform(platform) ?? Platform.current)
  }

  /// Absolute path with symlinks resolved (the kernel records mounts that way).
  static func resolve(_ path: String) throws -> String {
    guard let resolved = realpath(path, nil) else {
      throw MountError.badMountpoint(path: path, reason: String(cString: strerror(errno)))
    }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// This program, for starting helpers.
  static var executable: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }

  static func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
  }
}
