public import Foundation
import StarlingFormat

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A `ChunkStore` that keeps one file per chunk under a directory, bounded in size by LRU
/// eviction.
///
/// Layout: `chunks/<first 2 hex>/<64 hex>-<size>` holds a frame's bytes exactly (the
/// two-character shard keeps directories small); `tmp/` holds writes in progress, which
/// are fsynced and renamed into place so a torn write never appears under a final name.
/// Recency is the file mtime, so the LRU order survives restarts. Several processes may
/// share a directory (each `starling mount`): temporaries carry the writer's pid, so `init`
/// clears only those of dead processes, and an entry another process evicted reads as a
/// miss. Each process bounds only what it indexed, so sharers should agree on `maxBytes`.
public actor DiskChunkStore: ChunkStore {
  /// Root of the store.
  public nonisolated let directory: URL
  /// Bound on the sum of stored file sizes.
  public nonisolated let maxBytes: Int64

  let chunksPath: String
  let tmpPath: String
  var index = LRUIndex()
  /// Makes temporary names unique within this process; the pid and a random tag separate
  /// processes.
  private var tmpCounter: UInt64 = 0
  private let tmpTag = UInt32.random(in: 0...UInt32.max)

  /// A hit rewrites the file's mtime at most this often, so hot chunks don't cost a
  /// metadata write per read while recency stays accurate to about a minute on disk.
  static let touchInterval: Int64 = 60

  /// Opens (creating if needed) the store at `directory`, removes leftovers of interrupted
  /// writes and rebuilds the index from the files present, evicting if over `maxBytes`.
  public init(directory: URL, maxBytes: Int64) throws {
    self.directory = directory
    self.maxBytes = maxBytes
    let root = directory.standardizedFileURL.path
    chunksPath = root + "/chunks"
    tmpPath = root + "/tmp"
    try PosixFile.makeDirectories(chunksPath)
    try PosixFile.makeDirectories(tmpPath)
    try Self.clearTemporaries(tmpPath)
    // A local copy: a synchronous actor init may not call isolated methods on self.
    var index = try Self.scan(chunksPath)
    try Self.evict(&index, to: maxBytes, sparing: nil, chunksPath: chunksPath)
    self.index = index
  }

  /// The stored frame for `key`, or nil; a hit moves the entry to the recent end.
  public func get(_ key: ChunkKey) throws -> [UInt8]? {
    guard let entry = index[key] else { return nil }
    let path = self.path(for: key)
    guard let fd = try PosixFile.open(path, O_RDONLY) else {
      // Deleted behind our back: forget it rather than fail the reader.
      index.remove(key)
      return nil
    }
    defer { _ = Glibc.close(fd) }
    let bytes = try PosixFile.readAll(fd, path: path, sizeHint: Int(entry.bytes))
    let now = Int64(time(nil))
    if now - entry.touchedAt >= Self.touchInterval {
      // Best effort: a failed touch only makes the on-disk recency slightly stale.
      _ = futimens(fd, nil)
      index.use(key, touchedAt: now)
    } else {
      index.use(key)
    }
    return bytes
  }

  /// Stores `frame` for `key` atomically, then evicts least recently used entries until
  /// the total fits `maxBytes`. A frame larger than `maxBytes` is not stored.
  public func put(_ key: ChunkKey, _ frame: [UInt8]) throws {
    guard Int64(frame.count) <= maxBytes else { return }
    tmpCounter += 1
    let tmp = "\(tmpPath)/\(getpid())-\(tmpTag)-\(tmpCounter).tmp"
    guard let fd = try PosixFile.open(tmp, O_WRONLY | O_CREAT | O_EXCL) else {
      throw ChunkStoreError.systemCall("open", path: tmp, errno: ENOENT)
    }
    do {
      defer { _ = Glibc.close(fd) }
      try PosixFile.writeAll(fd, frame, path: tmp)
      try PosixFile.fsync(fd, path: tmp)
    } catch {
      _ = try? PosixFile.unlink(tmp)
      throw error
    }
    let shard = shardPath(for: key)
    let final = path(for: key)
    do {
      try PosixFile.makeDirectories(shard)
      try PosixFile.rename(tmp, final)
    } catch {
      _ = try? PosixFile.unlink(tmp)
      throw error
    }
    // Index the file as soon as it is in place, so usage matches the disk even if a later
    // step throws.
    index.insert(key, bytes: Int64(frame.count), touchedAt: Int64(time(nil)))
    try Self.evict(&index, to: maxBytes, sparing: key, chunksPath: chunksPath)
    // Persist the rename itself, so a completed put survives a crash.
    try PosixFile.fsyncDirectory(shard)
  }

  /// Deletes the entry for `key`, if any.
  public func remove(_ key: ChunkKey) throws {
    try PosixFile.unlink(path(for: key))
    index.remove(key)
  }

  /// Whether `key` is indexed (a file deleted behind our back still reads as a miss later).
  public func contains(_ key: ChunkKey) -> Bool { index[key] != nil }

  /// Entries and bytes currently stored.
  public func usage() -> (entries: Int, bytes: Int64) {
    (index.count, index.totalBytes)
  }

  /// Deletes least recently used entries until the total fits, never `sparing`.
  static func evict(_ index: inout LRUIndex, to maxBytes: Int64, sparing: ChunkKey?, chunksPath: String) throws {
    while index.totalBytes > maxBytes, let victim = index.oldest, victim != sparing {
      try PosixFile.unlink(path(for: victim, in: chunksPath))
      index.remove(victim)
    }
  }

  func shardPath(for key: ChunkKey) -> String { Self.shardPath(for: key, in: chunksPath) }

  func path(for key: ChunkKey) -> String { Self.path(for: key, in: chunksPath) }

  static func shardPath(for key: ChunkKey, in chunksPath: String) -> String {
    "\(chunksPath)/\(key.digest.encoded.prefix(2))"
  }

  static func path(for key: ChunkKey, in chunksPath: String) -> String {
    "\(shardPath(for: key, in: chunksPath))/\(key.digest.encoded)-\(key.size)"
  }
}
