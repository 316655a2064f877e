import ArgumentParser
import CoreMetrics
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import Prometheus
import StarlingCommands
import StarlingDaemon
import StarlingFormat
import StarlingRegistry
import StarlingSnapshotter
import StarlingSystem

/// `starlingd`: the node daemon — containerd's remote snapshotter that mounts Starling
/// images lazily (and, for other images, behaves like containerd's overlayfs snapshotter).
@main
struct StarlingDaemonMain: AsyncParsableCommand {
  static let defaultConfigPath = "/etc/starling/starlingd.toml"

  static let configuration = CommandConfiguration(
    commandName: "starlingd",
    abstract: "Starling node daemon: a containerd remote snapshotter that mounts images lazily.",
    discussion: """
      Serves containerd's snapshots API on a unix socket; declare it in containerd's config \
      as [proxy_plugins.starling] (type "snapshot", address = the socket; `starling config \
      containerd` prints it) and pull or run with --snapshotter starling. State lives under \
      --root. Settings come from the TOML file (--config, default \(defaultConfigPath) if it \
      exists); flags override it. Registry credentials: the file's [registries] entries, \
      then docker's config.json ($DOCKER_CONFIG or ~/.docker). The file's keys:

      \(DaemonConfiguration.fileReference)
      """,
    version: StarlingCommand.configuration.version
  )

  @Option(help: "TOML configuration file (default: \(defaultConfigPath) when it exists).")
  var config: String?

  @Option(help: "State directory: snapshots, metadata, blob cache (default /var/lib/starling).")
  var root: String?

  @Option(help: "Unix socket to serve containerd's snapshots API on (default /run/starling/snapshotter.sock).")
  var address: String?

  @Option(help: "Bound of the blob cache of lazily fetched chunks, e.g. 10GiB (the default).")
  var cacheSize: String?

  @Option(help: "How long a read waits for a chunk while every source fails, then EIO, e.g. 60s (the default).")
  var fetchTimeout: String?

  @Option(help: "host:port for Prometheus metrics at /metrics; \"\" turns them off (default 127.0.0.1:9464).")
  var metricsAddress: String?

  @Option(
    name: .customLong("insecure-registry"),
    help: "Registry (host:port) to reach over plain HTTP (loopback always is). Repeatable.")
  var insecureRegistries: [String] = []

  @Flag(help: "Never mount layers lazily: every layer takes the ordinary path.")
  var noLazy = false

  @Flag(name: .customLong("no-docker-config"), help: "Ignore docker's config.json (credentials only from --config).")
  var noDockerConfig = false

  @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info).")
  var logLevel: String?

  func run() async throws {
    let settings = try resolvedConfiguration()
    let level = Logger.Level(rawValue: settings.configuration.logLevel) ?? .info
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
    let logger = Logger(label: "starlingd")
    for warning in settings.warnings { logger.warning("\(warning)") }
    try await DaemonRun(configuration: settings.configuration, configPath: settings.path, logger: logger).run()
  }

  /// The file's settings with the flags applied over them.
  private func resolvedConfiguration() throws -> (configuration: DaemonConfiguration, path: String?, warnings: [String])
  {
    var c = DaemonConfiguration()
    var warnings: [String] = []
    let path = config ?? (FileManager.default.fileExists(atPath: Self.defaultConfigPath) ? Self.defaultConfigPath : nil)
    if let path {
      do {
        (c, warnings) = try DaemonConfiguration.load(path: path)
      } catch let error as DaemonConfigurationError {
        throw ValidationError(error.description)
      }
    }
    if let root { c.root = root }
    if let address { c.address = address }
    if let logLevel { c.logLevel = logLevel }
    if noLazy { c.lazy = false }
    if noDockerConfig { c.useDockerConfig = false }
    if let cacheSize {
      guard let bytes = ByteCount.parse(cacheSize) else {
        throw ValidationError("--cache-size: not a size: \(cacheSize)")
      }
      c.cacheBytes = bytes
    }
    if let fetchTimeout {
      guard let duration = DaemonConfiguration.parseDuration(fetchTimeout), duration > .zero else {
        throw ValidationError("--fetch-timeout: not a duration: \(fetchTimeout)")
      }
      c.fetchTimeout = duration
    }
    if let metricsAddress {
      guard metricsAddress.isEmpty || DaemonConfiguration.splitHostPort(metricsAddress) != nil else {
        throw ValidationError("--metrics-address: not host:port: \(metricsAddress)")
      }
      c.metricsAddress = metricsAddress.isEmpty ? nil : metricsAddress
    }
    for registry in insecureRegistries { c.registries[registry, default: .init()].insecure = true }
    guard Logger.Level(rawValue: c.logLevel) != nil else { throw ValidationError("unknown log level \(c.logLevel)") }
    return (c, path, warnings)
  }
}
