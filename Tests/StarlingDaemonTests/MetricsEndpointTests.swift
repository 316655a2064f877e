import CoreMetrics
import Foundation
import Prometheus
import StarlingDaemon
import StarlingTestSupport
import Testing

@Suite struct MetricsEndpointTests {
  @Test func servesTheRegistryAtMetricsOnly() async throws {
    let registry = PrometheusCollectorRegistry()
    let factory = PrometheusMetricsFactory(registry: registry)
    // Through the factory directly: the global MetricsSystem is the process's, not a test's.
    let counter = factory.makeCounter(label: "starling_test_total", dimensions: [("source", "registry")])
    counter.increment(by: 42)
    let endpoint = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, registry: registry)
    defer { Task { await endpoint.stop() } }
    let (host, port) = try #require(DaemonConfiguration.splitHostPort(endpoint.address))
    #expect(host == "127.0.0.1" && port > 0)
    let ok = try PlainHTTP.get(port: port, path: "/metrics")
    #expect(ok.hasPrefix("HTTP/1.1 200"))
    #expect(PlainHTTP.prometheusSamples(ok)["starling_test_total{source=\"registry\"}"] == 42)
    let missing = try PlainHTTP.get(port: port, path: "/")
    #expect(missing.hasPrefix("HTTP/1.1 404"))
    await endpoint.stop()
    #expect(throws: (any Error).self) { try PlainHTTP.get(port: port, path: "/metrics") }
  }

  @Test func refusesAnAddressInUse() async throws {
    let first = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, registry: PrometheusCollectorRegistry())
    let port = try #require(DaemonConfiguration.splitHostPort(first.address)).port
    await #expect(throws: (any Error).self) {
      let second = try await MetricsEndpoint.start(
        host: "127.0.0.1", port: port, registry: PrometheusCollectorRegistry())
      await second.stop()
    }
    await first.stop()
  }
}
