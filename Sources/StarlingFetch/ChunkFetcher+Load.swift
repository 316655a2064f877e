import StarlingCache
import StarlingFormat

/// What a batch made of one frame.
enum FrameOutcome: Sendable {
  /// Verified content.
  case decoded([UInt8])
  /// Not loaded for a reader: read-ahead found it in the store (and did not decode it), or
  /// the batch was cancelled. A reader waiting for it loads it itself.
  case skipped
  /// Every source failed until the deadline.
  case failed(any Error)
}

/// One batch of frames being loaded; readers of any of its frames wait for its task.
struct Flight: Sendable {
  let id: UInt64
  let task: Task<[UInt32: FrameOutcome], Never>
  /// Set for read-ahead batches.
  let lane: FetchLane?
}

extension ChunkFetcher {
  /// Loads a batch: every frame from the store at once (decoding in parallel), then the
  /// misses from the sources in coalesced runs. On-demand runs go out together; a
  /// read-ahead batch sends one run at a time so it holds at most one request slot.
  @concurrent nonisolated func load(
    _ frames: [(UInt32, FrameRecord)], lane: FetchLane?, deadline: ContinuousClock.Instant
  ) async -> ([UInt32: FrameOutcome], FetchStats) {
    var outcomes: [UInt32: FrameOutcome] = [:]
    var stats = FetchStats()
    let decode = lane == nil
    await withTaskGroup(of: (UInt32, FrameOutcome?, FetchStats).self) { group in
      for (i, frame) in frames { group.addTask { await self.fromStore(i, frame, decode: decode) } }
      for await (i, outcome, delta) in group {
        outcomes[i] = outcome
        stats.add(delta)
      }
    }
    let runs = Self.runs(of: frames.filter { outcomes[$0.0] == nil }, maxBytes: options.maxRequestBytes)
    if lane == nil {
      await withTaskGroup(of: ([UInt32: FrameOutcome], FetchStats).self) { group in
        for run in runs { group.addTask { await self.fetch(run, lane: lane, deadline: deadline) } }
        for await (fetched, delta) in group {
          outcomes.merge(fetched) { first, _ in first }
          stats.add(delta)
        }
      }
    } else {
      for run in runs {
        let (fetched, delta) = await fetch(run, lane: lane, deadline: deadline)
        outcomes.merge(fetched) { first, _ in first }
        stats.add(delta)
      }
    }
    return (outcomes, stats)
  }

  /// Frame `i` from the store: verified content, `.skipped` when present but not wanted
  /// decoded, or nil when absent or damaged (a damaged entry is dropped).
  @concurrent nonisolated func fromStore(
    _ i: UInt32, _ frame: FrameRecord, decode: Bool
  ) async -> (UInt32, FrameOutcome?, FetchStats) {
    var stats = FetchStats()
    // Read-ahead only needs to know the frame is there: the store's index answers that.
    if !decode { return (i, await store.contains(key(frame)) ? .skipped : nil, stats) }
    // A store that fails to read is treated like a miss: the sources still have the frame.
    guard let stored = try? await store.get(key(frame)) else { return (i, nil, stats) }
    do {
      let content = try frame.decode(stored)
      stats.cacheHits += 1
      return (i, .decoded(content), stats)
    } catch {
      stats.corruptFrames += 1
      try? await store.remove(key(frame))
      return (i, nil, stats)
    }
  }

  /// Groups frames adjacent in the blob into runs of at most `maxBytes` (a frame larger
  /// than that is a run of its own), in blob order.
  static func runs(of frames: [(UInt32, FrameRecord)], maxBytes: Int64) -> [[(UInt32, FrameRecord)]] {
    var runs: [[(UInt32, FrameRecord)]] = []
    for item in frames.sorted(by: { $0.1.blobOffset < $1.1.blobOffset }) {
      if let first = runs.last?.first?.1, let last = runs.last?.last?.1,
        last.blobOffset + UInt64(last.compressedSize) == item.1.blobOffset,
        Int64(item.1.blobOffset + UInt64(item.1.compressedSize) - first.blobOffset) <= maxBytes
      {
        runs[runs.count - 1].append(item)
      } else {
        runs.append([item])
      }
    }
    return runs
  }
}
