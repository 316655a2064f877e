import Foundation
import StarlingCache
import StarlingFormat
import StarlingOCI

extension ChunkFetcher {
  /// Fetches one run of adjacent frames: each round tries the sources in order, asking each
  /// only for the frames still missing; when a round leaves some missing it waits (backing
  /// off) and tries again, until the deadline. Verified frames are stored; a frame that
  /// fails verification is counted and never returned or stored.
  @concurrent nonisolated func fetch(
    _ run: [(UInt32, FrameRecord)], lane: FetchLane?, deadline: ContinuousClock.Instant
  ) async -> ([UInt32: FrameOutcome], FetchStats) {
    var outcomes: [UInt32: FrameOutcome] = [:]
    var stats = FetchStats()
    var pending = run
    var backoff = RetryBackoff(initial: options.retryDelay, maximum: options.maxRetryDelay)
    while true {
      var failures: [String] = []
      for (n, source) in sources.enumerated() where !pending.isEmpty {
        if quarantine.skips(n, of: sources.count) { continue }
        for part in Self.runs(of: pending, maxBytes: .max) {
          do {
            let verified = try await request(part, from: source, lane: lane, stats: &stats, failures: &failures)
            for (i, content) in verified { outcomes[i] = .decoded(content) }
            quarantine.succeeded(n)
          } catch {
            failures.append("\(source.name): \(error)")
            quarantine.failed(n)
            if quarantine.skips(n, of: sources.count) { break }
          }
          // Cancelled read-ahead: leave the rest to whoever reads it.
          if Task.isCancelled { return (outcomes.merging(pending.map { ($0.0, .skipped) }) { a, _ in a }, stats) }
        }
        pending.removeAll { outcomes[$0.0] != nil }
      }
      guard let first = pending.first?.1, let last = pending.last?.1 else { break }
      let left = ContinuousClock.now.duration(to: deadline)
      guard left > .zero, !sources.isEmpty else {
        let range = Int64(first.blobOffset)..<Int64(last.blobOffset + UInt64(last.compressedSize))
        let error = FetchError.unavailable(layer: layer.digest.short, blobRange: range, failures: failures)
        for (i, _) in pending { outcomes[i] = .failed(error) }
        break
      }
      stats.retries += 1
      do {
        try await Task.sleep(for: min(backoff.next(), left))
      } catch {
        for (i, _) in pending { outcomes[i] = .skipped }
        break
      }
    }
    return (outcomes, stats)
  }

  /// One Range request for adjacent frames from one source, holding a request slot while
  /// it is out. Returns the frames that verified (after storing them); the others are
  /// counted as corrupt and named in `failures`.
  @concurrent nonisolated func request(
    _ part: [(UInt32, FrameRecord)], from source: any ChunkSource, lane: FetchLane?, stats: inout FetchStats,
    failures: inout [String]
  ) async throws -> [(UInt32, [UInt8])] {
    guard let first = part.first?.1, let last = part.last?.1 else { return [] }
    let range = Int64(first.blobOffset)..<Int64(last.blobOffset + UInt64(last.compressedSize))
    let data = try await limiter.withSlot(lane: lane) {
      // Counted once sent: a request that fails was still made.
      stats.requests += 1
      let sent = ContinuousClock.now
      do {
        let data = try await source.read(layer: layer, range: range)
        FetchMetrics.request(kind: source.kind, bytes: data.count, duration: sent.duration(to: .now), failed: false)
        return data
      } catch {
        FetchMetrics.request(kind: source.kind, bytes: 0, duration: sent.duration(to: .now), failed: true)
        throw error
      }
    }
    stats.bytesFetched += data.count
    guard data.count == range.count else {
      throw IndexFormatError.truncated(what: "range from \(source.name)", expected: range.count, actual: data.count)
    }
    var verified: [(UInt32, [UInt8])] = []
    for (i, frame) in part {
      let start = data.startIndex + Int(frame.blobOffset - first.blobOffset)
      let compressed = [UInt8](data[start..<start + Int(frame.compressedSize)])
      do {
        verified.append((i, try frame.decode(compressed)))
      } catch {
        stats.corruptFrames += 1
        failures.append("\(source.name): frame \(i): \(error)")
        continue
      }
      stats.cacheMisses += 1
      if lane != nil { stats.readAheadFrames += 1 }
      // Best effort: a frame that cannot be stored is still served, and fetched again later.
      try? await store.put(key(frame), compressed)
    }
    return verified
  }
}
