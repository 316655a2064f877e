public import StarlingFormat
public import StarlingOCI

/// What `starling inspect` reports about one layer, computed from its index alone.
public struct LayerSummary: Sendable, Codable {
  public var digest: String
  public var mediaType: String
  public var starling: Bool
  public var compressedBytes: Int64
  public var uncompressedBytes: UInt64?
  public var entries: Int?
  public var regularFiles: Int?
  public var chunkFrames: Int?
  public var groupFrames: Int?
  public var indexBytes: Int?
  public var indexUncompressedBytes: Int?
  /// Compressed bytes of frames that duplicate an earlier frame (fetched once).
  public var duplicateBytes: UInt64?
  public var files: [FileSummary]?

  /// One path and where its content lives.
  public struct FileSummary: Sendable, Codable {
    public var path: String
    public var type: String
    public var size: UInt64
    /// First and last frame holding the file's bytes (regular files with content).
    public var frames: [UInt32]?
    /// Blob byte range of those frames.
    public var blobRange: [UInt64]?
  }

  /// A layer that is not a Starling layer.
  public init(plain layer: Descriptor) {
    digest = layer.digest.description
    mediaType = layer.mediaType
    starling = false
    compressedBytes = layer.size
  }

  /// Summarizes a Starling layer from its index.
  public init(layer: Descriptor, index: ChunkIndex, listFiles: Bool) throws {
    self.init(plain: layer)
    starling = true
    uncompressedBytes = index.tarSize
    entries = Int(index.entryCount)
    indexBytes = Int(layer.annotations?[LayerAnnotation.indexSize] ?? "")
    indexUncompressedBytes = index.bytes.count
    var chunks = 0
    var duplicate: UInt64 = 0
    for i in 0..<index.frameCount {
      let frame = try index.frame(i)
      if frame.isChunk { chunks += 1 }
      if frame.canonical != i { duplicate += UInt64(frame.compressedSize) }
    }
    chunkFrames = chunks
    groupFrames = Int(index.frameCount) - chunks
    duplicateBytes = duplicate
    var regular = 0
    var listed: [FileSummary] = []
    for i in 0..<index.entryCount {
      let record = try index.entry(i)
      if record.isRegular { regular += 1 }
      guard listFiles, i != index.root else { continue }
      var summary = FileSummary(path: try index.path(of: i), type: Self.typeName(record), size: record.size)
      if record.isRegular, record.size > 0 {
        let slices = try index.chunks(of: record, range: 0..<record.size)
        if let first = slices.first, let last = slices.last {
          summary.frames = [first.frameIndex, last.frameIndex]
          summary.blobRange = [first.frame.blobOffset, last.frame.blobOffset + UInt64(last.frame.compressedSize)]
        }
      }
      listed.append(summary)
    }
    regularFiles = regular
    files = listFiles ? listed : nil
  }

  static func typeName(_ record: EntryRecord) -> String {
    if record.flags.contains(.hardLinkAlias) { return "hardlink" }
    if record.flags.contains(.whiteout) { return "whiteout" }
    switch record.fileType {
    case 0o100000: return "file"
    case 0o040000: return record.flags.contains(.opaque) ? "dir(opaque)" : "dir"
    case 0o120000: return "symlink"
    case 0o020000: return "char"
    case 0o060000: return "block"
    case 0o010000: return "fifo"
    default: return "unknown"
    }
  }
}
