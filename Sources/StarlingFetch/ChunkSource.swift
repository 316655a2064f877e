public import Foundation
public import StarlingOCI

/// A remote place that holds layer blobs and serves byte ranges of them: the registry, or
/// (later) a peer node. Sources are tried in order; the fetcher verifies every frame, so a
/// source can be slow or wrong but never corrupt a file.
public protocol ChunkSource: Sendable {
  /// A name for logs and statistics (`registry`, `peer 10.0.0.7`).
  var name: String { get }
  /// Bytes `range` of `layer`'s blob.
  func read(layer: Descriptor, range: Range<Int64>) async throws -> Data
}

/// A source backed by any `BlobRangeReader` (a registry image, an OCI layout).
public struct RangeReaderChunkSource: ChunkSource {
  public let name: String
  private let reader: any BlobRangeReader

  public init(name: String, reader: any BlobRangeReader) {
    self.name = name
    self.reader = reader
  }

  public func read(layer: Descriptor, range: Range<Int64>) async throws -> Data {
    try await reader.readBlob(layer, range: range)
  }
}

/// Why a read could not be served.
public enum FetchError: Error, CustomStringConvertible {
  /// Every source failed for these frames; `failures` names each source and its error.
  case unavailable(layer: String, blobRange: Range<Int64>, failures: [String])
  /// The index does not describe the requested entry as readable content.
  case notAFile(entry: UInt32)
  /// A frame the read needs was neither decoded nor being fetched (a fetcher bug).
  case frameLost(frame: UInt32)

  public var description: String {
    switch self {
    case .unavailable(let layer, let range, let failures):
      "layer \(layer): bytes \(range.lowerBound)-\(range.upperBound - 1) unavailable: \(failures.joined(separator: "; "))"
    case .notAFile(let entry): "entry \(entry) is not a regular file"
    case .frameLost(let frame): "frame \(frame) was neither cached nor fetched"
    }
  }
}

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

  public init() {}
}
