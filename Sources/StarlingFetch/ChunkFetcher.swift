public import StarlingCache
public import StarlingFormat
public import StarlingOCI

/// Serves byte ranges of one layer's files: maps them to frames through the index, takes
/// frames from a memory cache of decoded frames or the local store when present, fetches
/// the rest from the sources in order — adjacent missing frames in one Range request (up
/// to `maxRequestBytes`), each frame at most once at a time however many readers want it,
/// retrying until `fetchTimeout` — verifies every frame's size and sha256, and stores
/// verified frames for every later reader on the node.
///
/// The actor only keeps bookkeeping (frames in flight, the memory cache, counters); store
/// and source I/O, decompression and hashing run in detached tasks, so reads of different
/// frames decode in parallel.
public actor ChunkFetcher {
  /// The layer whose blob the sources serve.
  public nonisolated let layer: Descriptor
  /// The layer's index: its files and frames.
  public nonisolated let index: ChunkIndex
  nonisolated let store: any ChunkStore
  nonisolated let sources: [any ChunkSource]
  nonisolated let options: Options
  nonisolated let limiter: RequestLimiter
  nonisolated let quarantine: SourceQuarantine
  var memory: DecodedFrameCache
  /// The batch loading each frame (by canonical index) right now.
  var inflight: [UInt32: Flight] = [:]
  var stats = FetchStats()
  private var nextBatch: UInt64 = 0
  /// When a still-failing outage began for a frame (the start of its first batch that
  /// timed out). A later batch for the frame shares that deadline instead of starting a
  /// new one: the kernel follows a failed read-ahead with a read of the same pages, and the
  /// reader must get EIO after one `fetchTimeout`, not two.
  private var outageSince: [UInt32: ContinuousClock.Instant] = [:]
  /// Read-ahead bookkeeping (see ChunkFetcher+ReadAhead.swift).
  var readAheadFiles: Set<UInt32> = []
  /// Per file, how far a sequential reader has read and how far read-ahead reaches.
  var sequential: [UInt32: SequentialWindow] = [:]
  var readAheadQueue: [[(UInt32, FrameRecord)]] = []
  var readAheadRunning: [UInt64: Flight] = [:]
  var readAheadWaiters: [CheckedContinuation<Void, Never>] = []
  /// Compressed bytes fetched on demand so far, and whether the whole blob was queued
  /// (see ChunkFetcher+Dense.swift).
  var demandBytes = 0
  var demandSpan: Range<UInt64>?
  var wholeLayerQueued = false

  public init(
    layer: Descriptor, index: ChunkIndex, store: any ChunkStore, sources: [any ChunkSource],
    options: Options = Options()
  ) {
    self.layer = layer
    self.index = index
    self.store = store
    self.sources = sources
    self.options = options
    self.limiter = RequestLimiter(limit: options.maxConcurrentRequests)
    self.quarantine = SourceQuarantine(period: options.sourceQuarantine)
    self.memory = DecodedFrameCache(capacity: options.memoryCacheBytes)
  }

  /// Counters so far.
  public var statistics: FetchStats { stats }

  /// Bytes `range` of regular file `entry` (clamped to its size).
  public nonisolated func read(entry: UInt32, range: Range<UInt64>) async throws -> [UInt8] {
    let record = try index.entry(entry)
    guard try index.entry(record.canonical).isRegular else { throw FetchError.notAFile(entry: entry) }
    let slices = try index.chunks(of: record, range: range)
    let content = try await frames(Set(slices.map(\.frame.canonical)))
    let output = try Self.assemble(slices, from: content)
    await served(output.count)
    return output
  }

  /// Copies the slices' bytes out of their frames; a slice that is a whole frame is returned
  /// as is.
  static func assemble(_ slices: [ChunkSlice], from content: [UInt32: [UInt8]]) throws -> [UInt8] {
    var output: [UInt8] = []
    for slice in slices {
      guard let frame = content[slice.frame.canonical] else { throw FetchError.frameLost(frame: slice.frame.canonical) }
      if slices.count == 1, slice.offsetInFrame == 0, slice.length == frame.count { return frame }
      if output.isEmpty { output.reserveCapacity(slices.reduce(0) { $0 + $1.length }) }
      output.append(contentsOf: frame[slice.offsetInFrame..<slice.offsetInFrame + slice.length])
    }
    return output
  }

  /// The decoded content of frames (by canonical index), waiting off the actor.
  nonisolated func frames(_ wanted: Set<UInt32>) async throws -> [UInt32: [UInt8]] {
    var content: [UInt32: [UInt8]] = [:]
    var pending = wanted
    while !pending.isEmpty {
      let (hits, flights) = try await claim(pending)
      content.merge(hits) { first, _ in first }
      pending = []
      for (frame, flight) in flights {
        switch await flight.task.value[frame] ?? .skipped {
        case .decoded(let bytes): content[frame] = bytes
        // Read-ahead found it in the store, or was cancelled: load it like any miss.
        case .skipped: pending.insert(frame)
        case .failed(let error): throw error
        }
      }
    }
    return content
  }

  /// Takes what memory holds, joins batches already loading the other frames (raising a
  /// read-ahead batch to on-demand priority) and starts one batch for the rest.
  private func claim(_ wanted: Set<UInt32>) throws -> (hits: [UInt32: [UInt8]], flights: [(UInt32, Flight)]) {
    var hits: [UInt32: [UInt8]] = [:]
    var flights: [(UInt32, Flight)] = []
    var missing: [(UInt32, FrameRecord)] = []
    for i in wanted.sorted() {
      if let content = memory.get(i) {
        stats.memoryHits += 1
        var delta = FetchStats()
        delta.memoryHits = 1
        FetchMetrics.record(delta)
        hits[i] = content
      } else if let flight = inflight[i] {
        if let lane = flight.lane { limiter.promote(lane) }
        flights.append((i, flight))
      } else {
        missing.append((i, try index.frame(i)))
      }
    }
    if !missing.isEmpty {
      let flight = start(missing, lane: nil)
      flights += missing.map { ($0.0, flight) }
    }
    return (hits, flights)
  }

  /// Starts a detached batch loading `frames` and records it as in flight for each.
  func start(_ frames: [(UInt32, FrameRecord)], lane: FetchLane?) -> Flight {
    nextBatch += 1
    let id = nextBatch
    let started = ContinuousClock.now
    var deadline = started.advanced(by: options.fetchTimeout)
    for (i, _) in frames {
      guard let since = outageSince[i] else { continue }
      // An old outage says nothing about now: forget it and wait a full timeout again.
      if since.duration(to: started) > options.fetchTimeout * 2 {
        outageSince[i] = nil
      } else {
        deadline = min(deadline, since.advanced(by: options.fetchTimeout))
      }
    }
    let task = Task.detached(priority: lane == nil ? nil : .utility) { [self, deadline] in
      let (outcomes, delta) = await load(frames, lane: lane, deadline: deadline)
      await landed(id, frames.map(\.0), outcomes, delta, lane: lane, started: started)
      return outcomes
    }
    let flight = Flight(id: id, task: task, lane: lane)
    for (i, _) in frames { inflight[i] = flight }
    return flight
  }

  /// Books a finished batch: counters, the memory cache, and the frames no longer in flight.
  private func landed(
    _ id: UInt64, _ frames: [UInt32], _ outcomes: [UInt32: FrameOutcome], _ delta: FetchStats, lane: FetchLane?,
    started: ContinuousClock.Instant
  ) {
    stats.add(delta)
    FetchMetrics.record(delta)
    if lane == nil, delta.bytesFetched > 0 { noteDemandFetch(frames: frames, bytes: delta.bytesFetched) }
    // Read-ahead frames stay decoded too: a sequential reader is about to ask for them.
    let remember = true
    for i in frames {
      if inflight[i]?.id == id { inflight[i] = nil }
      switch outcomes[i] {
      case .decoded(let content):
        outageSince[i] = nil
        if remember { memory.insert(i, content) }
      case .failed: outageSince[i] = min(outageSince[i] ?? started, started)
      case .skipped, nil: break
      }
    }
    if lane != nil { readAheadLanded(id) }
  }

  private func served(_ bytes: Int) {
    stats.bytesServed += bytes
    var delta = FetchStats()
    delta.bytesServed = bytes
    FetchMetrics.record(delta)
  }

  nonisolated func key(_ frame: FrameRecord) -> ChunkKey {
    ChunkKey(digest: frame.digest, size: frame.uncompressedSize)
  }
}
