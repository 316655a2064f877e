import Foundation
import StarlingFormat

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Startup recovery: clearing interrupted writes and rebuilding the index from disk.
extension DiskChunkStore {
  /// Removes the writes in `tmp/` that never reached their rename: those of this process
  /// and of processes no longer running (names start with the writer's pid), so they do
  /// not leak space forever while another live process's puts in progress are spared.
  static func clearTemporaries(_ tmpPath: String) throws {
    for name in try PosixFile.list(tmpPath) {
      if let pid = name.split(separator: "-").first.flatMap({ pid_t($0) }), pid != getpid(),
        kill(pid, 0) == 0 || errno == EPERM
      {
        continue
      }
      removeStray(tmpPath + "/" + name)
    }
  }

  /// Builds the index from `chunks/`, ordering entries by mtime (the on-disk recency) and
  /// deleting anything whose name is not a chunk file, so stray files neither count
  /// against the budget nor get returned.
  static func scan(_ chunksPath: String) throws -> LRUIndex {
    var found: [(key: ChunkKey, bytes: Int64, mtime: timespec)] = []
    for shard in try PosixFile.list(chunksPath) {
      let shardPath = chunksPath + "/" + shard
      guard isShardName(shard), let info = try PosixFile.status(shardPath), isDirectory(info) else {
        removeStray(shardPath)
        continue
      }
      for name in try PosixFile.list(shardPath) {
        let path = shardPath + "/" + name
        guard let key = parseKey(name, shard: shard), let info = try PosixFile.status(path), isRegular(info)
        else {
          removeStray(path)
          continue
        }
        found.append((key, Int64(info.st_size), info.st_mtim))
      }
    }
    found.sort { ($0.mtime.tv_sec, $0.mtime.tv_nsec) < ($1.mtime.tv_sec, $1.mtime.tv_nsec) }
    var index = LRUIndex()
    for entry in found {
      index.insert(entry.key, bytes: entry.bytes, touchedAt: Int64(entry.mtime.tv_sec))
    }
    return index
  }

  /// Parses `<64 lowercase hex>-<decimal size>` that belongs in shard `shard`.
  static func parseKey(_ name: String, shard: String) -> ChunkKey? {
    let parts = name.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0].count == 64, parts[0].hasPrefix(shard),
      let size = UInt32(parts[1]), String(size) == parts[1],
      let digest = try? Digest(parsing: "sha256:" + parts[0])
    else { return nil }
    return ChunkKey(digest: digest, size: size)
  }

  private static func isShardName(_ name: String) -> Bool {
    name.utf8.count == 2 && name.allSatisfy(\.isLowercaseHexDigit)
  }

  private static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }

  private static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }

  /// Best-effort removal of a stray file or directory tree; failing to clean garbage must
  /// not stop the store from opening.
  private static func removeStray(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
  }
}

extension Character {
  fileprivate var isLowercaseHexDigit: Bool { ("0"..."9").contains(self) || ("a"..."f").contains(self) }
}
