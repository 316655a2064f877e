import StarlingCompression

/// The fixed-size footer at the end of a chunked layer blob, locating the index.
///
/// Payload (80 bytes, little-endian): magic `STRLNGFT` (8), version u16, reserved u16 + u32,
/// index offset u64, index compressed size u64, index uncompressed size u64, reserved u64,
/// sha256 of the compressed index (32).
public struct IndexFooter: Sendable, Equatable {
  /// Blob offset of the compressed index bytes.
  public var indexOffset: UInt64
  /// Length of the compressed index bytes.
  public var indexCompressedSize: UInt64
  /// Length of the decompressed index.
  public var indexUncompressedSize: UInt64
  /// sha256 of the compressed index bytes.
  public var indexDigest: Digest

  public init(indexOffset: UInt64, indexCompressedSize: UInt64, indexUncompressedSize: UInt64, indexDigest: Digest) {
    self.indexOffset = indexOffset
    self.indexCompressedSize = indexCompressedSize
    self.indexUncompressedSize = indexUncompressedSize
    self.indexDigest = indexDigest
  }

  /// The footer as a complete skippable frame (88 bytes).
  public func encodedFrame() -> [UInt8] {
    var payload = LayerFormat.footerMagic
    payload.appendLittleEndian(LayerFormat.version)
    payload.appendLittleEndian(UInt16(0))
    payload.appendLittleEndian(UInt32(0))
    payload.appendLittleEndian(indexOffset)
    payload.appendLittleEndian(indexCompressedSize)
    payload.appendLittleEndian(indexUncompressedSize)
    payload.appendLittleEndian(UInt64(0))
    payload += indexDigest.rawBytes
    return SkippableFrame.encode(variant: LayerFormat.footerFrameVariant, payload: payload)
  }

  /// Decodes the last `LayerFormat.footerFrameSize` bytes of a blob.
  public init(frame: [UInt8]) throws(IndexFormatError) {
    guard frame.count == LayerFormat.footerFrameSize else {
      throw .truncated(what: "footer", expected: LayerFormat.footerFrameSize, actual: frame.count)
    }
    let header: (variant: UInt8, length: Int)
    do {
      header = try SkippableFrame.parseHeader(frame)
    } catch {
      throw .badMagic(what: "footer frame")
    }
    guard header.variant == LayerFormat.footerFrameVariant, header.length == LayerFormat.footerSize,
      Array(frame[8..<16]) == LayerFormat.footerMagic
    else { throw .badMagic(what: "footer") }
    let version = UInt16(littleEndianBytes: frame[16..<18])
    guard version == LayerFormat.version else { throw .unsupportedVersion(version) }
    indexOffset = UInt64(littleEndianBytes: frame[24..<32])
    indexCompressedSize = UInt64(littleEndianBytes: frame[32..<40])
    indexUncompressedSize = UInt64(littleEndianBytes: frame[40..<48])
    indexDigest = Digest(sha256: frame[56..<88])
  }
}

extension Digest {
  /// The 32 raw bytes of a sha256 digest.
  public var rawBytes: [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(encoded.utf8.count / 2)
    var high: UInt8?
    for c in encoded.utf8 {
      let v: UInt8 = c <= 57 ? c - 48 : c - 87
      if let h = high {
        bytes.append(h << 4 | v)
        high = nil
      } else {
        high = v
      }
    }
    return bytes
  }
}
