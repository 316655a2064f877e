/// Constants of the Starling chunked layer format, version 1.
///
/// ```
///  blob:  [frame 0][frame 1]...[frame N-1][index frame][footer frame]
///          \__ zstd frames: the layer's tar stream __/ \_ skippable _/
///
///  index frame:  magic 0x184D2A5A, u32 length, zstd(index)
///  footer frame: magic 0x184D2A5B, u32 80, footer (80 bytes)
///  index:        header (96) | entries (64 each) | frames (64 each) | xattrs (16 each) | strings
/// ```
///
/// See the "Chunked layer format" article of this module's documentation for the full
/// specification.
public enum LayerFormat {
  /// The format version written into headers, footers and annotations.
  public static let version: UInt16 = 1
  /// Skippable-frame variant carrying the compressed index.
  public static let indexFrameVariant: UInt8 = 0xA
  /// Skippable-frame variant carrying the footer.
  public static let footerFrameVariant: UInt8 = 0xB
  /// Magic at the start of the decompressed index.
  public static let indexMagic: [UInt8] = Array("STRLNGIX".utf8)
  /// Magic at the start of the footer payload.
  public static let footerMagic: [UInt8] = Array("STRLNGFT".utf8)
  /// Size of the index header.
  public static let indexHeaderSize = 96
  /// Size of one entry record.
  public static let entryRecordSize = 64
  /// Size of one frame record.
  public static let frameRecordSize = 64
  /// Size of one xattr record.
  public static let xattrRecordSize = 16
  /// Size of the footer payload.
  public static let footerSize = 80
  /// Size of the footer frame at the very end of the blob.
  public static let footerFrameSize = 8 + footerSize
  /// Default uncompressed size of a content chunk.
  public static let defaultChunkSize = 1 << 20
  /// Files up to this size are packed with tar headers into group frames.
  public static let defaultInlineLimit = 64 << 10
  /// A group frame is closed once it holds at least this many bytes.
  public static let defaultGroupSize = 256 << 10
  /// Entry-record value meaning "none" for optional indexes.
  public static let none = UInt32.max
}

/// Layer-descriptor annotations that locate the index without reading the footer.
///
/// The `containerd.io/snapshot/` prefix makes containerd forward them to the snapshotter
/// as Prepare labels.
public enum LayerAnnotation {
  /// Format version, e.g. `1`.
  public static let version = "containerd.io/snapshot/starling.version"
  /// Blob offset of the compressed index bytes (inside the index frame, after its header).
  public static let indexOffset = "containerd.io/snapshot/starling.index.offset"
  /// Length of the compressed index bytes.
  public static let indexSize = "containerd.io/snapshot/starling.index.size"
  /// sha256 of the compressed index bytes.
  public static let indexDigest = "containerd.io/snapshot/starling.index.digest"
  /// Digest of the layer this one was converted from.
  public static let source = "containerd.io/snapshot/starling.source"
}
