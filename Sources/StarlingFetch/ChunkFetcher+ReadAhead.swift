import StarlingFormat

extension ChunkFetcher {
  /// Schedules a background fetch into the store of the first `readAheadBytes` of regular
  /// file `entry` (its frames neither in memory nor in the store), for when it is opened.
  /// Returns at once; a file is read ahead once, failures only show in the counters, and
  /// on-demand reads keep priority for request slots.
  ///
  /// The first frame is left to the reader (it asks for it at once: joining a read-ahead
  /// batch would make it wait for the whole batch), so a file within one frame is not read
  /// ahead at all.
  public func readAhead(entry: UInt32) {
    guard options.readAheadBytes > 0, options.readAheadConcurrency > 0,
      let record = try? index.entry(entry), let target = try? index.entry(record.canonical), target.isRegular,
      readAheadFiles.insert(target.index).inserted
    else { return }
    sequential[target.index] = SequentialWindow(
      readEnd: 0, aheadUntil: min(UInt64(options.readAheadBytes), target.size))
    queueReadAhead(target, range: 0..<UInt64(options.readAheadBytes), skipFirstFrame: true)
  }

  /// Follows a reader of `entry`: once reads run sequentially past the open-time window,
  /// the next `2 × maxRequestBytes` are fetched in the background in large requests, so a
  /// big file streams in a few requests instead of one per kernel read.
  public func followRead(entry: UInt32, range: Range<UInt64>) {
    guard options.readAheadBytes > 0, options.readAheadConcurrency > 0,
      let record = try? index.entry(entry), let target = try? index.entry(record.canonical), target.isRegular,
      target.size > UInt64(options.maxRequestBytes)
    else { return }
    var window = sequential[target.index] ?? SequentialWindow(readEnd: range.lowerBound, aheadUntil: range.upperBound)
    let next = window.advance(
      by: range, window: UInt64(options.maxRequestBytes) * 2, slack: UInt64(options.maxRequestBytes),
      fileSize: target.size)
    sequential[target.index] = window
    if let next { queueReadAhead(target, range: next, skipFirstFrame: false) }
  }

  /// Queues the frames of `range` of regular file `target` as coalesced runs.
  private func queueReadAhead(_ target: EntryRecord, range: Range<UInt64>, skipFirstFrame: Bool) {
    guard let slices = try? index.chunks(of: target, range: range) else { return }
    var seen: Set<UInt32> = []
    var frames: [(UInt32, FrameRecord)] = []
    for slice in slices where seen.insert(slice.frame.canonical).inserted {
      guard let frame = try? index.frame(slice.frame.canonical) else { return }
      frames.append((slice.frame.canonical, frame))
    }
    if skipFirstFrame { frames = Array(frames.dropFirst()) }
    guard !frames.isEmpty else { return }
    readAheadQueue += Self.runs(of: frames, maxBytes: options.maxRequestBytes)
    pumpReadAhead()
  }

  /// Stops read-ahead (at unmount): drops what is queued and cancels what runs, which then
  /// ends at its next wait (a request slot, a backoff delay, a cancellable source read).
  /// Readers waiting for a cancelled frame load it themselves.
  public func cancelReadAhead() {
    readAheadQueue.removeAll()
    readAheadFiles.removeAll()
    sequential.removeAll()
    for flight in readAheadRunning.values { flight.task.cancel() }
  }

  /// Returns once no read-ahead is queued or running.
  public func waitForReadAhead() async {
    guard !readAheadRunning.isEmpty || !readAheadQueue.isEmpty else { return }
    await withCheckedContinuation { readAheadWaiters.append($0) }
  }

  /// Starts queued read-ahead runs while fewer than `readAheadConcurrency` run, skipping
  /// frames that memory holds or another batch is loading.
  func pumpReadAhead() {
    while readAheadRunning.count < options.readAheadConcurrency, !readAheadQueue.isEmpty {
      let run = readAheadQueue.removeFirst().filter { !memory.contains($0.0) && inflight[$0.0] == nil }
      guard !run.isEmpty else { continue }
      let flight = start(run, lane: FetchLane())
      readAheadRunning[flight.id] = flight
    }
    if readAheadRunning.isEmpty && readAheadQueue.isEmpty {
      for waiter in readAheadWaiters { waiter.resume() }
      readAheadWaiters.removeAll()
    }
  }

  /// A read-ahead batch finished: start the next.
  func readAheadLanded(_ id: UInt64) {
    readAheadRunning[id] = nil
    pumpReadAhead()
  }
}
