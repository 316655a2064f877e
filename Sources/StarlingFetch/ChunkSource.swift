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
