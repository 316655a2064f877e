import Foundation
public import StarlingFetch

/// A mount's figures, written as `stats.json` in its state directory while it runs (for
/// `starling umount`, tests and benchmarks) and logged at the end.
public struct MountStatistics: Codable, Sendable, Equatable {
  /// Compressed size of all layers.
  public var imageBytes: Int64
  /// Compressed index bytes read at mount.
  public var indexBytes: Int64
  /// Milliseconds from start to mounted.
  public var mountMilliseconds: Int64
  /// Compressed bytes received from sources (registry) after the mount.
  public var bytesFetched: Int64
  /// Range requests sent.
  public var requests: Int
  /// Frames served from the blob cache / from memory / fetched.
  public var cacheHits: Int
  public var memoryHits: Int
  public var cacheMisses: Int
  /// Decoded bytes returned to readers (the kernel caches pages, so repeats are not counted).
  public var bytesServed: Int64
  public var retries: Int
  public var corruptFrames: Int
  public var readAheadFrames: Int
  /// Layers fetched whole because reads were dense.
  public var wholeLayerFetches: Int?

  public init(imageBytes: Int64, indexBytes: Int64, mountMilliseconds: Int64, fetch: FetchStats) {
    self.imageBytes = imageBytes
    self.indexBytes = indexBytes
    self.mountMilliseconds = mountMilliseconds
    bytesFetched = Int64(fetch.bytesFetched)
    requests = fetch.requests
    cacheHits = fetch.cacheHits
    memoryHits = fetch.memoryHits
    cacheMisses = fetch.cacheMisses
    bytesServed = Int64(fetch.bytesServed)
    retries = fetch.retries
    corruptFrames = fetch.corruptFrames
    readAheadFrames = fetch.readAheadFrames
    wholeLayerFetches = fetch.wholeLayerFetches
  }

  static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return encoder
  }

  /// Writes `stats.json` atomically.
  public func save(_ directory: MountDirectory) throws {
    try Self.encoder.encode(self).write(to: directory.statsFile, options: .atomic)
  }

  /// Reads `stats.json`, or nil.
  public static func load(_ directory: MountDirectory) -> MountStatistics? {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return FileManager.default.contents(atPath: directory.statsFile.path).flatMap {
      try? decoder.decode(MountStatistics.self, from: $0)
    }
  }

  /// One line for people: what the mount cost so far.
  public var summary: String {
    let share = imageBytes > 0 ? Double(indexBytes + bytesFetched) * 100 / Double(imageBytes) : 0
    return "fetched \(indexBytes + bytesFetched) of \(imageBytes) image bytes (\(String(format: "%.1f", share))%) "
      + "in \(requests) requests; frames: \(cacheMisses) fetched, \(cacheHits) from cache, \(memoryHits) from memory"
      + (retries > 0 ? ", \(retries) retries" : "")
      + ((wholeLayerFetches ?? 0) > 0 ? "; \(wholeLayerFetches ?? 0) layer(s) fetched whole (dense reads)" : "")
      + (corruptFrames > 0 ? ", \(corruptFrames) corrupt rejected" : "")
  }
}
