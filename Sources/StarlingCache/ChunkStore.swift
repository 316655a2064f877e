public import StarlingFormat

/// Identifies a chunk by what it decodes to: the sha256 of its uncompressed bytes and their
/// length. Identical chunks of any layer or image share one key, so they are stored and
/// fetched once.
public struct ChunkKey: Hashable, Sendable, CustomStringConvertible {
  /// sha256 of the uncompressed bytes.
  public var digest: Digest
  /// Length of the uncompressed bytes.
  public var size: UInt32

  public init(digest: Digest, size: UInt32) {
    self.digest = digest
    self.size = size
  }

  public var description: String { "\(digest.short)/\(size)" }
}

/// A local store of compressed chunks (zstd frames), shared by every image on the node.
///
/// Contract: `get` returns exactly the bytes a completed `put` stored for the key, or nil —
/// never a partially written entry (writes are atomic), and after a crash or restart the
/// entries that were completely written are still there. The store does not decompress;
/// readers verify the decoded bytes against `key.digest` and call `remove` on a mismatch.
/// The store keeps its total size under a configured bound by evicting the least recently
/// used entries.
public protocol ChunkStore: Sendable {
  /// The stored frame for `key`, or nil; a hit counts as a use for LRU.
  func get(_ key: ChunkKey) async throws -> [UInt8]?
  /// Stores a frame (replacing any entry for the key) and evicts old entries if over budget.
  func put(_ key: ChunkKey, _ frame: [UInt8]) async throws
  /// Drops an entry (e.g. one that failed verification).
  func remove(_ key: ChunkKey) async throws
  /// Entries and bytes currently stored.
  func usage() async -> (entries: Int, bytes: Int64)
  /// Whether an entry for `key` is stored, without reading it (not a use for LRU).
  func contains(_ key: ChunkKey) async -> Bool
}

extension ChunkStore {
  /// Fallback for stores without an index: reads the entry.
  public func contains(_ key: ChunkKey) async -> Bool { ((try? await get(key)) ?? nil) != nil }
}
