public import Foundation
public import StarlingOCI

/// A remote place that holds layer blobs and serves byte ranges of them: the registry, or
/// (later) a peer node. Sources are tried in order; the fetcher verifies every frame, so a
/// source can be slow or wrong but never corrupt a file.
public protocol ChunkSource: Sendable {
  /// A name for logs and statistics (`registry`, `peer 10.0.0.7`).
  var name: String { get }
  /// What kind of source this is, a metrics label from a small set (`registry`, `mirror`, `peer`).
  var kind: String { get }
  /// Bytes `range` of `layer`'s blob.
  func read(layer: Descriptor, range: Range<Int64>) async throws -> Data
}

extension ChunkSource {
  public var kind: String { name }
}

/// A source backed by any `BlobRangeReader` (a registry image, an OCI layout).
public struct RangeReaderChunkSource: ChunkSource {
  public let name: String
  public let kind: String
  private let reader: any BlobRangeReader

  /// `kind` defaults to `name`.
  public init(name: String, kind: String? = nil, reader: any BlobRangeReader) {
    self.name = name
    self.kind = kind ?? name
    self.reader = reader
  }

  public func read(layer: Descriptor, range: Range<Int64>) async throws -> Data {
    try await reader.readBlob(layer, range: range)
  }
}
