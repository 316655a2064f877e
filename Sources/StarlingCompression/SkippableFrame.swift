/// zstd skippable frames: `magic (0x184D2A50 | n)`, little-endian u32 length, payload.
///
/// Every zstd decoder skips them, so metadata can ride inside a valid zstd stream.
public enum SkippableFrame {
  /// The lowest skippable magic; the low 4 bits select one of 16 variants.
  public static let baseMagic: UInt32 = 0x184D_2A50
  /// Bytes before the payload.
  public static let headerSize = 8

  /// Wraps `payload` in a skippable frame with magic variant `variant` (0...15).
  public static func encode(variant: UInt8, payload: [UInt8]) -> [UInt8] {
    precondition(variant < 16 && payload.count <= Int(UInt32.max))
    var out = [UInt8]()
    out.reserveCapacity(headerSize + payload.count)
    out.appendLittleEndian(baseMagic | UInt32(variant))
    out.appendLittleEndian(UInt32(payload.count))
    out += payload
    return out
  }

  /// Reads a skippable frame header: the variant and payload length.
  public static func parseHeader(_ bytes: some Collection<UInt8>) throws(CompressionError) -> (
    variant: UInt8, length: Int
  ) {
    let header = Array(bytes.prefix(headerSize))
    guard header.count == headerSize else { throw .truncated(what: "skippable frame header") }
    let magic = UInt32(littleEndianBytes: header[0..<4])
    guard magic & 0xFFFF_FFF0 == baseMagic else {
      throw .malformed(what: "skippable frame", reason: "magic 0x\(String(magic, radix: 16)) is not a skippable frame")
    }
    return (UInt8(magic & 0xF), Int(UInt32(littleEndianBytes: header[4..<8])))
  }
}

extension Array where Element == UInt8 {
  /// Appends a fixed-width integer in little-endian order.
  public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    var v = value.littleEndian
    Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
  }
}

extension FixedWidthInteger {
  /// Decodes a little-endian integer from exactly `MemoryLayout<Self>.size` bytes.
  public init(littleEndianBytes bytes: some Collection<UInt8>) {
    var value: Self = 0
    for (i, byte) in bytes.prefix(MemoryLayout<Self>.size).enumerated() {
      value |= Self(truncatingIfNeeded: byte) << (8 * i)
    }
    self = value
  }
}
