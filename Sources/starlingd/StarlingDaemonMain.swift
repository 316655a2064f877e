import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import StarlingCommands
import StarlingRegistry
import StarlingSnapshotter
import StarlingSystem

/// `starlingd`: the node daemon — containerd's remote snapshotter that mounts Starling
/// images lazily (and, for other images, behaves like containerd's overlayfs snapshotter).
@main
struct StarlingDaemonMain: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "starlingd",
    abstract: "Starling node daemon: a containerd remote snapshotter that mounts images lazily.",
    discussion: """
      Serves containerd's snapshots API on a unix socket; declare it in containerd's config \
      as [proxy_plugins.starling] (type "snapshot", address = the socket) and pull or run \
      with --snapshotter starling. State lives under --root.
      """,
    version: StarlingCommand.configuration.version
  )

  @Option(help: "State directory (snapshots, metadata, blob cache).")
  var root = "/var/lib/starling"

  @Option(help: "Unix socket to serve containerd's snapshots API on.")
  var address = "/run/starling/snapshotter.sock"

  @Option(help: "Bound of the blob cache of lazily fetched chunks, in bytes.")
  var cacheSize: Int64 = 10 << 30

  @Option(
    name: .customLong("insecure-registry"),
    help: "Registry (host:port) to reach over plain HTTP (loopback always is). Repeatable.")
  var insecureRegistries: [String] = []

  @Flag(help: "Never mount layers lazily: every layer takes the ordinary path.")
  var noLazy = false

  @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
  var logLevel: String = "info"

  func validate() throws {
    guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
  }

  func run() async throws {
    let level = Logger.Level(rawValue: logLevel) ?? .info
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
    let logger = Logger(label: "starlingd")
    try prepareSocket(address)
    let base = URL(fileURLWithPath: root)
    // Credentials for background chunk fetches: docker's config.json, read when needed.
    let credentials: any CredentialProvider = (try? DockerConfigCredentials()) ?? StaticCredentials([:])
    let lazy =
      noLazy
      ? nil
      : try LazyLayers(
        cache: base.appending(path: "cache"), cacheBytes: cacheSize,
        configuration: RegistryConfiguration(insecureRegistries: Set(insecureRegistries), credentials: credentials),
        logger: logger)
    do {
      try await serve(lazy: lazy, base: base, logger: logger)
    } catch {
      await lazy?.shutdown()
      throw error
    }
    await lazy?.shutdown()
    try? FileManager.default.removeItem(atPath: address)
  }

  private func serve(lazy: LazyLayers?, base: URL, logger: Logger) async throws {
    let snapshotter = try Snapshotter(root: base.appending(path: "snapshotter"), lazy: lazy, logger: logger)
    await snapshotter.restoreLazyLayers()
    let server = GRPCServer(
      transport: .http2NIOPosix(address: .unixDomainSocket(path: address), transportSecurity: .plaintext),
      services: [SnapshotsService(snapshotter: snapshotter, logger: logger)])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      if let listening = try await server.listeningAddress {
        logger.info("serving containerd snapshots API", metadata: ["address": "\(listening)", "root": "\(root)"])
      }
      let signal = await SignalWaiter.next([SIGINT, SIGTERM])
      logger.info("stopping", metadata: ["signal": "\(signal)"])
      server.beginGracefulShutdown()
    }
  }

  /// Whether something accepts connections on unix socket `path`.
  static func answers(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, byte) in bytes.enumerated() { raw[i] = byte }
    }
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
      }
    }
  }

  /// The socket's directory exists and is private; a stale socket from a previous run goes.
  private func prepareSocket(_ path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    if FileManager.default.fileExists(atPath: path) {
      // A socket someone still answers on belongs to a running daemon: taking its path would
      // leave containerd talking to whichever one it connected to first.
      if Self.answers(path) {
        FileHandle.standardError.write(
          Data("error: another process is already serving on \(path); stop it first or choose --address\n".utf8))
        throw ExitCode.failure
      }
      try FileManager.default.removeItem(atPath: path)
    }
    // Only root (containerd) may connect: the socket is created 0600.
    umask(0o077)
  }
}
