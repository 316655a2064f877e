import Foundation
public import StarlingCache
public import StarlingFormat
public import StarlingOCI

/// Serves byte ranges of one layer's files: maps them to frames through the index, takes
/// frames from the local store when present, fetches the rest from the sources in order —
/// adjacent missing frames in one Range request (up to `maxRequestBytes`), each frame at most
/// once at a time however many readers want it — verifies every frame's size and sha256,
/// and stores verified frames for every later reader on the node.
public actor ChunkFetcher {
  /// Tunables.
  public struct Options: Sendable {
    /// Largest Range request when coalescing adjacent frames.
    public var maxRequestBytes: Int64
    public init(maxRequestBytes: Int64 = 8 << 20) { self.maxRequestBytes = maxRequestBytes }
  }

  public let layer: Descriptor
  public let index: ChunkIndex
  let store: any ChunkStore
  let sources: [any ChunkSource]
  private let options: Options
  private var inflight: [UInt32: Task<[UInt8], any Error>] = [:]
  var stats = FetchStats()

  public init(
    layer: Descriptor, index: ChunkIndex, store: any ChunkStore, sources: [any ChunkSource],
    options: Options = Options()
  ) {
    self.layer = layer
    self.index = index
    self.store = store
    self.sources = sources
    self.options = options
  }

  /// Counters so far.
  public var statistics: FetchStats { stats }

  /// Bytes `range` of regular file `entry` (clamped to its size).
  public func read(entry: UInt32, range: Range<UInt64>) async throws -> [UInt8] {
    let record = try index.entry(entry)
    guard try index.entry(record.canonical).isRegular else { throw FetchError.notAFile(entry: entry) }
    let slices = try index.chunks(of: record, range: range)
    var decoded: [UInt32: [UInt8]] = [:]
    for (canonical, content) in try await frames(Set(slices.map(\.frame.canonical))) { decoded[canonical] = content }
    var output: [UInt8] = []
    output.reserveCapacity(slices.reduce(0) { $0 + $1.length })
    for slice in slices {
      guard let content = decoded[slice.frame.canonical] else {
        throw FetchError.frameLost(frame: slice.frame.canonical)
      }
      output += content[slice.offsetInFrame..<slice.offsetInFrame + slice.length]
    }
    return output
  }

  /// The decoded content of frames (by canonical index).
  func frames(_ wanted: Set<UInt32>) async throws -> [UInt32: [UInt8]] {
    var result: [UInt32: [UInt8]] = [:]
    var missing: [FrameRecord] = []
    var missingIndexes: [UInt32] = []
    for i in wanted.sorted() {
      if inflight[i] != nil { continue }
      let frame = try index.frame(i)
      if let stored = try await store.get(key(frame)) {
        if let content = try? frame.decode(stored) {
          stats.cacheHits += 1
          result[i] = content
          continue
        }
        stats.corruptFrames += 1
        try await store.remove(key(frame))
      }
      missing.append(frame)
      missingIndexes.append(i)
    }
    startFetches(zip(missingIndexes, missing).map { ($0, $1) })
    // Take the tasks before the first suspension: a finished task removes itself from `inflight`.
    let waiting = wanted.filter { result[$0] == nil }.map { ($0, inflight[$0]) }
    for (i, task) in waiting {
      guard let task else { throw FetchError.frameLost(frame: i) }
      result[i] = try await task.value
    }
    return result
  }

  /// Groups frames adjacent in the blob into runs and starts one task per run.
  private func startFetches(_ frames: [(UInt32, FrameRecord)]) {
    var runs: [[(UInt32, FrameRecord)]] = []
    for item in frames.sorted(by: { $0.1.blobOffset < $1.1.blobOffset }) {
      if let last = runs.last?.last, let first = runs.last?.first,
        last.1.blobOffset + UInt64(last.1.compressedSize) == item.1.blobOffset,
        Int64(item.1.blobOffset + UInt64(item.1.compressedSize) - first.1.blobOffset) <= options.maxRequestBytes
      {
        runs[runs.count - 1].append(item)
      } else {
        runs.append([item])
      }
    }
    for run in runs {
      let task = Task { try await self.fetchRun(run) }
      for (i, _) in run {
        inflight[i] = Task {
          defer { self.finished(i) }
          guard let content = try await task.value[i] else { throw FetchError.frameLost(frame: i) }
          return content
        }
      }
    }
  }

  private func finished(_ frame: UInt32) {
    inflight[frame] = nil
  }

  func key(_ frame: FrameRecord) -> ChunkKey { ChunkKey(digest: frame.digest, size: frame.uncompressedSize) }
}
