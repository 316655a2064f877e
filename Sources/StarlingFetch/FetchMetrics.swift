import CoreMetrics

/// The fetcher's process-wide metrics (swift-metrics; no-ops unless a backend is
/// bootstrapped, as `starlingd` does for Prometheus). Labels stay bounded: a source's
/// `kind`, never a layer or a host.
enum FetchMetrics {
  /// One Range request to a source, finished (successfully or not) after `duration`.
  static func request(kind: String, bytes: Int, duration: Duration, failed: Bool) {
    let labels = [("source", kind)]
    Counter(label: "starling_fetch_requests_total", dimensions: labels).increment()
    if failed {
      Counter(label: "starling_fetch_failures_total", dimensions: labels).increment()
    } else {
      Counter(label: "starling_fetch_bytes_total", dimensions: labels).increment(by: bytes)
    }
    let (seconds, attoseconds) = duration.components
    CoreMetrics.Timer(label: "starling_fetch_duration_seconds", dimensions: labels)
      .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
  }

  /// Frame-level counters of a finished batch or read.
  static func record(_ delta: FetchStats) {
    add("starling_chunk_cache_hits_total", delta.cacheHits)
    add("starling_chunk_cache_misses_total", delta.cacheMisses)
    add("starling_memory_cache_hits_total", delta.memoryHits)
    add("starling_corrupt_frames_total", delta.corruptFrames)
    add("starling_fetch_retries_total", delta.retries)
    add("starling_readahead_frames_total", delta.readAheadFrames)
    add("starling_bytes_served_total", delta.bytesServed)
    add("starling_whole_layer_fetches_total", delta.wholeLayerFetches)
  }

  private static func add(_ label: String, _ value: Int) {
    guard value > 0 else { return }
    Counter(label: label).increment(by: value)
  }
}
