import Foundation
import StarlingCache
import StarlingFormat

/// A fresh directory under the system temp dir, removed after `body` returns or throws.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("starling-cache-test-\(UUID().uuidString)", isDirectory: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try await body(url)
}

/// A key and frame pair: the key names some "uncompressed" content derived from `seed`, the
/// frame is arbitrary bytes of `frameSize` (the store never decompresses, so any bytes do).
func sampleChunk(_ seed: Int, frameSize: Int = 100) -> (key: ChunkKey, frame: [UInt8]) {
  let content = Array("chunk-\(seed)".utf8)
  var hasher = DigestHasher()
  hasher.update(content)
  let key = ChunkKey(digest: hasher.finalize(), size: UInt32(content.count))
  let frame = (0..<frameSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) }
  return (key, frame)
}

/// Where the store keeps the file for `key` (the documented on-disk layout).
func chunkFile(_ key: ChunkKey, in directory: URL) -> URL {
  directory.appendingPathComponent("chunks/\(key.digest.encoded.prefix(2))/\(key.digest.encoded)-\(key.size)")
}

/// Every regular file under `chunks/` with its size, to compare against `usage()`.
func filesOnDisk(_ directory: URL) throws -> [String: Int64] {
  let chunks = directory.appendingPathComponent("chunks").path
  var result: [String: Int64] = [:]
  for shard in try FileManager.default.contentsOfDirectory(atPath: chunks) {
    for name in try FileManager.default.contentsOfDirectory(atPath: chunks + "/" + shard) {
      let path = chunks + "/" + shard + "/" + name
      let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64
      result[shard + "/" + name] = size ?? -1
    }
  }
  return result
}
