import Foundation
import StarlingFormat

/// How layers are chunked and compressed.
public struct ConversionOptions: Sendable {
  /// Uncompressed size of content chunks of large files.
  public var chunkSize: Int
  /// Files up to this size are packed with tar headers into group frames.
  public var inlineLimit: Int
  /// Group frames close once they hold this many bytes.
  public var groupSize: Int
  /// zstd level for data frames.
  public var level: Int32
  /// zstd level for the index (small, read once per mount: worth the extra effort).
  public var indexLevel: Int32
  /// Compression threads per layer.
  public var workers: Int
  /// Layers converted at once.
  public var layerConcurrency: Int

  public init(
    chunkSize: Int = 1 << 20, inlineLimit: Int = 64 << 10, groupSize: Int = 256 << 10, level: Int32 = 9,
    indexLevel: Int32 = 19, workers: Int? = nil, layerConcurrency: Int = 2
  ) {
    self.chunkSize = chunkSize
    self.inlineLimit = min(inlineLimit, chunkSize)
    self.groupSize = groupSize
    self.level = level
    self.indexLevel = indexLevel
    self.workers = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    self.layerConcurrency = max(1, layerConcurrency)
  }
}

/// Figures about one converted layer.
public struct LayerStats: Sendable, Codable, Equatable {
  public var entries = 0
  public var regularFiles = 0
  public var chunkFrames = 0
  public var groupFrames = 0
  /// Uncompressed tar bytes.
  public var tarBytes: UInt64 = 0
  /// Blob bytes, index and footer included.
  public var blobBytes: UInt64 = 0
  /// Compressed index bytes.
  public var indexBytes: UInt64 = 0
  /// Decompressed index bytes.
  public var indexUncompressedBytes: UInt64 = 0
  /// Compressed bytes of frames identical to an earlier frame (fetched once by readers).
  public var duplicateBytes: UInt64 = 0

  public init() {}
}
