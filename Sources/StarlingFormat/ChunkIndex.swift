import StarlingCompression

/// A read-only view of a decompressed chunk index.
///
/// Opening checks the header and section sizes only; every record access is bounds-checked,
/// so a hostile index yields `IndexFormatError`, never a crash, and nothing is parsed up
/// front: lookups are binary searches over fixed-size records (see `LayerFormat`).
public struct ChunkIndex: Sendable {
  /// The decompressed index bytes.
  public let bytes: [UInt8]
  public let entryCount: UInt32
  public let frameCount: UInt32
  public let xattrCount: UInt32
  /// Length of the uncompressed tar stream.
  public let tarSize: UInt64
  /// Bytes of data frames in the blob.
  public let dataSize: UInt64
  /// Content chunk size the converter used.
  public let chunkSize: UInt32
  /// sha256 of the uncompressed tar stream.
  public let diffID: Digest
  let entriesOffset: Int
  let framesOffset: Int
  let xattrsOffset: Int
  let stringsOffset: Int
  let stringsSize: Int

  /// Opens decompressed index bytes.
  public init(bytes: [UInt8]) throws(IndexFormatError) {
    guard bytes.count >= LayerFormat.indexHeaderSize else {
      throw .truncated(what: "index header", expected: LayerFormat.indexHeaderSize, actual: bytes.count)
    }
    guard Array(bytes[0..<8]) == LayerFormat.indexMagic else { throw .badMagic(what: "index") }
    let version = UInt16(littleEndianBytes: bytes[8..<10])
    guard version == LayerFormat.version else { throw .unsupportedVersion(version) }
    guard UInt16(littleEndianBytes: bytes[10..<12]) == UInt16(LayerFormat.indexHeaderSize),
      UInt16(littleEndianBytes: bytes[28..<30]) == UInt16(LayerFormat.entryRecordSize),
      UInt16(littleEndianBytes: bytes[30..<32]) == UInt16(LayerFormat.frameRecordSize)
    else { throw .inconsistent(reason: "record sizes differ from version 1") }
    entryCount = UInt32(littleEndianBytes: bytes[16..<20])
    frameCount = UInt32(littleEndianBytes: bytes[20..<24])
    xattrCount = UInt32(littleEndianBytes: bytes[24..<28])
    let strings = UInt64(littleEndianBytes: bytes[32..<40])
    tarSize = UInt64(littleEndianBytes: bytes[40..<48])
    dataSize = UInt64(littleEndianBytes: bytes[48..<56])
    chunkSize = UInt32(littleEndianBytes: bytes[56..<60])
    diffID = Digest(sha256: bytes[64..<96])
    guard entryCount >= 1 else { throw .inconsistent(reason: "no root entry") }
    // Counts are attacker-controlled: bound each (32-bit counts × 64-byte records and a
    // 31-bit string table cannot overflow 64 bits) before adding.
    guard strings <= UInt64(Int32.max) else {
      throw .inconsistent(reason: "string table of \(strings) bytes exceeds 2 GiB")
    }
    let expected =
      UInt64(LayerFormat.indexHeaderSize) + UInt64(entryCount) * UInt64(LayerFormat.entryRecordSize)
      + UInt64(frameCount) * UInt64(LayerFormat.frameRecordSize) + UInt64(xattrCount)
      * UInt64(LayerFormat.xattrRecordSize) + strings
    guard expected == UInt64(bytes.count) else {
      throw .truncated(what: "index sections", expected: Int(clamping: expected), actual: bytes.count)
    }
    self.bytes = bytes
    entriesOffset = LayerFormat.indexHeaderSize
    framesOffset = entriesOffset + Int(entryCount) * LayerFormat.entryRecordSize
    xattrsOffset = framesOffset + Int(frameCount) * LayerFormat.frameRecordSize
    stringsOffset = xattrsOffset + Int(xattrCount) * LayerFormat.xattrRecordSize
    stringsSize = Int(strings)
  }

  /// Verifies and decompresses an index as stored in a blob, then opens it.
  ///
  /// The decompressed size comes from the zstd frame header and must not exceed `maxSize`.
  public init(compressed: [UInt8], digest: Digest, maxSize: Int = 1 << 31) throws(IndexFormatError) {
    let actual = Digest.sha256(of: compressed)
    guard actual == digest else { throw .digestMismatch(what: "index", expected: digest, actual: actual) }
    guard let declared = ZstdDecompressor.declaredContentSize(compressed), declared <= UInt64(maxSize) else {
      throw .inconsistent(reason: "index frame declares no size or more than \(maxSize) bytes")
    }
    let raw: [UInt8]
    do {
      raw = try ZstdDecompressor().decompressFrame(compressed, expectedSize: Int(declared))
    } catch {
      throw .inconsistent(reason: "index does not decompress: \(error)")
    }
    try self.init(bytes: raw)
  }

  func u32(_ offset: Int) -> UInt32 {
    bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian }
  }

  func u16(_ offset: Int) -> UInt16 {
    bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian }
  }

  func u64(_ offset: Int) -> UInt64 {
    bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian }
  }

  /// Bytes of the string table, bounds-checked.
  func string(offset: UInt32, length: UInt32, record: String, index: Int, field: String) throws(IndexFormatError)
    -> ArraySlice<UInt8>
  {
    guard UInt64(offset) + UInt64(length) <= UInt64(stringsSize) else {
      throw .outOfBounds(record: record, index: index, field: field)
    }
    let start = stringsOffset + Int(offset)
    return bytes[start..<start + Int(length)]
  }
}
