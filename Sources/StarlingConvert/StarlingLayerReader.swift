import Foundation
public import StarlingFormat
public import StarlingOCI

/// Reads files of a Starling layer straight from its blob: the index with one Range
/// request, then only the frames a read needs (adjacent ones in one request), each
/// verified against its sha256 before its bytes are used.
public final class StarlingLayerReader: Sendable {
  /// The layer's descriptor.
  public let layer: Descriptor
  /// The decoded index.
  public let index: ChunkIndex
  private let source: any BlobRangeReader
  private let counter = ByteCounter()

  /// Fetches and verifies the index located by the descriptor's annotations (or the footer).
  public init(source: any BlobRangeReader, layer: Descriptor) async throws {
    self.source = source
    self.layer = layer
    let location = try await Self.locateIndex(source, layer, counter)
    let compressed = try await source.readBlob(
      layer, range: Int64(location.offset)..<Int64(location.offset + location.size))
    counter.add(compressed.count)
    index = try ChunkIndex(compressed: Array(compressed), digest: location.digest)
  }

  /// Blob bytes fetched so far (index included).
  public var bytesFetched: Int { counter.value }

  /// Bytes `range` of the regular file at `path` (reads past the end are clamped).
  public func read(path: String, range: Range<UInt64>) async throws -> [UInt8] {
    guard let found = try index.lookup(path: path) else { throw IndexFormatError.notFound(path: path) }
    let slices = try index.chunks(of: try index.entry(found), range: range)
    var output: [UInt8] = []
    var frames: [UInt32: [UInt8]] = [:]
    for run in Self.coalesce(slices.map(\.frame)) {
      let data = try await source.readBlob(layer, range: run.blobRange)
      counter.add(data.count)
      for frame in run.frames {
        let start = Int(frame.blobOffset - UInt64(run.blobRange.lowerBound))
        let bytes = data[data.startIndex + start..<data.startIndex + start + Int(frame.compressedSize)]
        frames[frame.canonical] = try frame.decode(Array(bytes))
      }
    }
    for slice in slices {
      guard let content = frames[slice.frame.canonical] else {
        throw IndexFormatError.inconsistent(reason: "frame \(slice.frameIndex) was not fetched")
      }
      output += content[slice.offsetInFrame..<slice.offsetInFrame + slice.length]
    }
    return output
  }

  /// Groups frames (fetching each canonical copy once) into runs adjacent in the blob.
  static func coalesce(_ frames: [FrameRecord]) -> [(blobRange: Range<Int64>, frames: [FrameRecord])] {
    var seen = Set<UInt32>()
    var runs: [(blobRange: Range<Int64>, frames: [FrameRecord])] = []
    for frame in frames.sorted(by: { $0.blobOffset < $1.blobOffset }) where seen.insert(frame.canonical).inserted {
      let start = Int64(frame.blobOffset)
      let end = start + Int64(frame.compressedSize)
      if let last = runs.last, last.blobRange.upperBound == start {
        runs[runs.count - 1] = (last.blobRange.lowerBound..<end, last.frames + [frame])
      } else {
        runs.append((start..<end, [frame]))
      }
    }
    return runs
  }
}

/// A thread-safe byte count.
final class ByteCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var total = 0

  func add(_ n: Int) { lock.withLock { total += n } }
  var value: Int { lock.withLock { total } }
}
