/// Byte-level text helpers: percent and base64 decoding for xattr names and values, ASCII checks.
enum TarText {
  /// Decodes "%XX" escapes; with `only`, just escapes of those byte values (GNU tar escapes "%" and "=").
  static func percentDecoded(_ bytes: ArraySlice<UInt8>, only: Set<UInt8>?) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var index = bytes.startIndex
    while index < bytes.endIndex {
      if bytes[index] == UInt8(ascii: "%"), bytes.endIndex - index >= 3,
        let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]),
        only?.contains(high << 4 | low) ?? true
      {
        out.append(high << 4 | low)
        index += 3
      } else {
        out.append(bytes[index])
        index += 1
      }
    }
    return out
  }

  /// Percent-encodes "%" and "=" the way GNU tar does in SCHILY.xattr keys.
  static func xattrKeyEscaped(_ name: String) -> [UInt8] {
    var out: [UInt8] = []
    for byte in name.utf8 {
      switch byte {
      case UInt8(ascii: "%"): out += "%25".utf8
      case UInt8(ascii: "="): out += "%3D".utf8
      default: out.append(byte)
      }
    }
    return out
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
  }

  /// Decodes standard base64 with or without "=" padding; nil when malformed.
  static func base64Decoded(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
    var data = bytes
    while data.last == UInt8(ascii: "=") { data = data.dropLast() }
    guard bytes.count - data.count <= 2, data.count % 4 != 1 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(data.count * 3 / 4)
    var accumulator: UInt32 = 0
    var bits = 0
    for byte in data {
      guard let value = base64Value(byte) else { return nil }
      accumulator = accumulator << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
      }
    }
    return out
  }

  private static func base64Value(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
    case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
    case UInt8(ascii: "+"): return 62
    case UInt8(ascii: "/"): return 63
    default: return nil
    }
  }

  /// True when every byte is 7-bit ASCII and none is NUL, so it can sit in a NUL-terminated ustar field.
  static func isPlainASCII(_ bytes: some Sequence<UInt8>) -> Bool {
    bytes.allSatisfy { $0 != 0 && $0 < 0x80 }
  }

  /// True when the bytes are valid UTF-8 (PAX values that are not need "hdrcharset=BINARY").
  static func isUTF8(_ bytes: [UInt8]) -> Bool {
    String(validating: bytes, as: UTF8.self) != nil
  }
}
