import Foundation
import StarlingCache
import StarlingFormat
import StarlingOCI

extension ChunkFetcher {
  /// Fetches one run of adjacent frames, trying each source in turn until one returns
  /// bytes that all verify; stores the verified frames.
  func fetchRun(_ run: [(UInt32, FrameRecord)]) async throws -> [UInt32: [UInt8]] {
    guard let first = run.first?.1, let last = run.last?.1 else { return [:] }
    let range = Int64(first.blobOffset)..<Int64(last.blobOffset + UInt64(last.compressedSize))
    var failures: [String] = []
    for source in sources {
      do {
        let data = try await source.read(layer: layer, range: range)
        stats.requests += 1
        stats.bytesFetched += data.count
        guard data.count == range.count else {
          throw IndexFormatError.truncated(what: "range from \(source.name)", expected: range.count, actual: data.count)
        }
        var decoded: [UInt32: [UInt8]] = [:]
        var frames: [(ChunkKey, [UInt8])] = []
        for (i, frame) in run {
          let start = data.startIndex + Int(frame.blobOffset - first.blobOffset)
          let compressed = Array(data[start..<start + Int(frame.compressedSize)])
          do {
            decoded[i] = try frame.decode(compressed)
          } catch {
            stats.corruptFrames += 1
            throw error
          }
          frames.append((key(frame), compressed))
        }
        stats.cacheMisses += frames.count
        for (key, compressed) in frames { try? await store.put(key, compressed) }
        return decoded
      } catch {
        failures.append("\(source.name): \(error)")
      }
    }
    throw FetchError.unavailable(layer: layer.digest.short, blobRange: range, failures: failures)
  }
}
