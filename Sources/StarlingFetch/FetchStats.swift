/// Counters of one fetcher.
public struct FetchStats: Sendable, Equatable {
  /// Frames served from the local store.
  public var cacheHits = 0
  /// Frames fetched from sources.
  public var cacheMisses = 0
  /// Range requests sent to sources.
  public var requests = 0
  /// Compressed bytes received from sources.
  public var bytesFetched = 0
  /// Frames that failed verification (from a source or the store).
  public var corruptFrames = 0
  /// Frames served from the decoded-frame memory cache.
  public var memoryHits = 0
  /// Rounds of source attempts repeated after every source failed.
  public var retries = 0
  /// Frames fetched from sources by read-ahead.
  public var readAheadFrames = 0
  /// Decoded bytes returned to readers.
  public var bytesServed = 0
  /// Layers that switched to fetching their whole blob because reads were dense.
  public var wholeLayerFetches = 0

  public init() {}

  /// Adds another set of counters (a batch's work, or another fetcher's) to these.
  public mutating func add(_ other: FetchStats) {
    cacheHits += other.cacheHits
    cacheMisses += other.cacheMisses
    requests += other.requests
    bytesFetched += other.bytesFetched
    corruptFrames += other.corruptFrames
    memoryHits += other.memoryHits
    retries += other.retries
    readAheadFrames += other.readAheadFrames
    bytesServed += other.bytesServed
    wholeLayerFetches += other.wholeLayerFetches
  }
}
