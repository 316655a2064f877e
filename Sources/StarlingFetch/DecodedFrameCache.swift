/// The decoded frames most recently used, bounded by their total size, so the kernel's
/// several reads of one frame (a 1 MiB frame arrives as eight 128 KiB requests) decompress
/// and hash it once.
///
/// Recency is a stamp per entry plus a queue of (stamp, key) in use order; a use appends a
/// new stamp and leaves the old queue item stale, and eviction skips stale items. That
/// keeps every operation O(1) amortized without a linked list.
struct DecodedFrameCache {
  /// Bound on the sum of cached frame sizes; 0 disables the cache.
  let capacity: Int
  private var entries: [UInt32: (content: [UInt8], stamp: UInt64)] = [:]
  private var order: [(stamp: UInt64, key: UInt32)] = []
  private var head = 0
  private var clock: UInt64 = 0
  /// Sum of the cached frames' sizes.
  private(set) var bytes = 0

  init(capacity: Int) { self.capacity = max(capacity, 0) }

  /// Frames cached.
  var count: Int { entries.count }

  /// Whether `key` is cached, without counting as a use.
  func contains(_ key: UInt32) -> Bool { entries[key] != nil }

  /// The cached frame for `key`, which becomes the most recently used.
  mutating func get(_ key: UInt32) -> [UInt8]? {
    guard let content = entries[key]?.content else { return nil }
    let now = stamp(key)
    entries[key]?.stamp = now
    compact()
    return content
  }

  /// Caches `content` under `key` as the most recently used, evicting the least recently
  /// used frames until the total fits. A frame larger than the whole cache is not kept.
  mutating func insert(_ key: UInt32, _ content: [UInt8]) {
    guard capacity > 0, content.count <= capacity else { return }
    if let old = entries.removeValue(forKey: key) { bytes -= old.content.count }
    let now = stamp(key)
    entries[key] = (content, now)
    bytes += content.count
    while bytes > capacity, head < order.count {
      let (stamp, victim) = order[head]
      head += 1
      // A stale item: the entry was used (or replaced) again since.
      guard let entry = entries[victim], entry.stamp == stamp else { continue }
      entries[victim] = nil
      bytes -= entry.content.count
    }
    compact()
  }

  private mutating func stamp(_ key: UInt32) -> UInt64 {
    clock += 1
    order.append((clock, key))
    return clock
  }

  /// Drops consumed and stale queue items once they outnumber the live ones.
  private mutating func compact() {
    guard order.count - head > 2 * entries.count + 64 || (head > 64 && head * 2 > order.count) else { return }
    order = entries.map { (stamp: $0.value.stamp, key: $0.key) }.sorted { $0.stamp < $1.stamp }
    head = 0
  }
}
