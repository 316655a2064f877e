/// The in-memory index of a chunk store: each key's stored size plus its place in a
/// recency order. A doubly linked list threaded through a dictionary keeps every operation
/// O(1), so a cache of hundreds of thousands of chunks does not scan on each eviction.
struct LRUIndex {
  struct Entry {
    /// Bytes the entry occupies on disk.
    var bytes: Int64
    /// Wall-clock seconds of the last time the file's mtime was set, to throttle touches.
    var touchedAt: Int64
    fileprivate var older: ChunkKey?
    fileprivate var newer: ChunkKey?
  }

  private var entries: [ChunkKey: Entry] = [:]
  /// Least recently used end (next to evict).
  private(set) var oldest: ChunkKey?
  /// Most recently used end.
  private var newest: ChunkKey?
  /// Sum of `bytes` over all entries.
  private(set) var totalBytes: Int64 = 0

  var count: Int { entries.count }

  subscript(key: ChunkKey) -> Entry? { entries[key] }

  /// Adds `key` as the most recently used entry, replacing any previous entry for it.
  mutating func insert(_ key: ChunkKey, bytes: Int64, touchedAt: Int64) {
    remove(key)
    entries[key] = Entry(bytes: bytes, touchedAt: touchedAt, older: newest, newer: nil)
    if let newest { entries[newest]?.newer = key } else { oldest = key }
    newest = key
    totalBytes += bytes
  }

  /// Marks `key` as the most recently used; `touchedAt` replaces the stored touch time
  /// when given.
  mutating func use(_ key: ChunkKey, touchedAt: Int64? = nil) {
    guard let entry = entries[key] else { return }
    insert(key, bytes: entry.bytes, touchedAt: touchedAt ?? entry.touchedAt)
  }

  /// Drops `key`; returns its entry if it was present.
  @discardableResult
  mutating func remove(_ key: ChunkKey) -> Entry? {
    guard let entry = entries.removeValue(forKey: key) else { return nil }
    if let older = entry.older { entries[older]?.newer = entry.newer } else { oldest = entry.newer }
    if let newer = entry.newer { entries[newer]?.older = entry.older } else { newest = entry.older }
    totalBytes -= entry.bytes
    return entry
  }
}
