import CoreMetrics
import GRPCCore

/// The snapshotter's metrics (swift-metrics; Prometheus in `starlingd`).
enum SnapshotterMetrics {
  /// A remote-snapshot request's outcome: `lazy`, or `fallback` (ordinary path instead).
  static func layer(outcome: String) {
    Counter(label: "starling_layers_total", dimensions: [("outcome", outcome)]).increment()
  }

  /// Lazy layers being served now.
  static func lazyMounts(_ count: Int) {
    Gauge(label: "starling_lazy_mounts").record(count)
  }

  /// One finished gRPC call and its status code (`ok`, `notFound`, ...).
  static func call(_ method: String, code: String, duration: Duration) {
    Counter(label: "starling_snapshot_requests_total", dimensions: [("rpc", method), ("code", code)]).increment()
    let (seconds, attoseconds) = duration.components
    CoreMetrics.Timer(label: "starling_snapshot_request_duration_seconds", dimensions: [("rpc", method)])
      .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
  }
}
