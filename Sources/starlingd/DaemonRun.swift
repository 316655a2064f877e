import CoreMetrics
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import Prometheus
import StarlingDaemon
import StarlingFormat
import StarlingRegistry
import StarlingSnapshotter
import StarlingSystem

/// One run of the daemon: metrics endpoint, lazy layers, snapshotter, gRPC server, until a signal.
struct DaemonRun {
  let configuration: DaemonConfiguration
  let configPath: String?
  let logger: Logger

  func run() async throws {
    let c = configuration
    try DaemonSocket.prepare(c.address)
    let metrics = try await startMetrics()
    let base = URL(fileURLWithPath: c.root)
    // Credentials for background chunk fetches: this config's, then docker's config.json
    // (read at each lookup, so a `docker login` later is seen). Never logged.
    var docker: (any CredentialProvider)?
    if c.useDockerConfig {
      do {
        docker = try DockerConfigCredentials()
      } catch {
        logger.warning("ignoring docker's config.json", metadata: ["error": "\(error)"])
      }
    }
    let registry = c.registryConfiguration(credentials: c.credentialProvider(docker: docker))
    let lazy =
      c.lazy
      ? try LazyLayers(
        cache: base.appending(path: "cache"), cacheBytes: c.cacheBytes, configuration: registry, mirrors: c.mirrors,
        fetchTimeout: c.fetchTimeout, logger: logger)
      : nil
    logger.info(
      "starting",
      metadata: [
        "config": "\(configPath ?? "none")", "root": "\(c.root)", "lazy": "\(c.lazy)",
        "cache": "\(ByteCount.format(c.cacheBytes))", "fetch_timeout": "\(c.fetchTimeout)",
        "registries": "\(c.registries.keys.sorted())",
      ])
    do {
      try await serve(lazy: lazy, base: base)
    } catch {
      await lazy?.shutdown()
      await metrics?.stop()
      throw error
    }
    await lazy?.shutdown()
    await metrics?.stop()
    try? FileManager.default.removeItem(atPath: c.address)
  }

  /// Bootstraps swift-metrics with Prometheus and serves it, when an address is configured.
  private func startMetrics() async throws -> MetricsEndpoint? {
    guard let address = configuration.metricsAddress, let (host, port) = DaemonConfiguration.splitHostPort(address)
    else { return nil }
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    let endpoint = try await MetricsEndpoint.start(host: host, port: port, registry: registry)
    logger.info("serving metrics", metadata: ["address": "http://\(endpoint.address)/metrics"])
    return endpoint
  }

  private func serve(lazy: LazyLayers?, base: URL) async throws {
    let snapshotter = try Snapshotter(root: base.appending(path: "snapshotter"), lazy: lazy, logger: logger)
    await snapshotter.restoreLazyLayers()
    let server = GRPCServer(
      transport: .http2NIOPosix(address: .unixDomainSocket(path: configuration.address), transportSecurity: .plaintext),
      services: [SnapshotsService(snapshotter: snapshotter, logger: logger)])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      if let listening = try await server.listeningAddress {
        logger.info("serving containerd snapshots API", metadata: ["address": "\(listening)"])
      }
      let signal = await SignalWaiter.next([SIGINT, SIGTERM])
      logger.info("stopping", metadata: ["signal": "\(signal)"])
      server.beginGracefulShutdown()
    }
  }
}
