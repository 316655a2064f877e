/// Numeric header fields: octal (NUL- or space-terminated), GNU base-256, and PAX decimal.
enum TarNumeric {
  /// The value of an ASCII decimal digit.
  static func decimalDigit(_ byte: UInt8) -> UInt8? {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
  }

  /// Parses an octal or base-256 header field; nil when malformed or outside Int64.
  static func parseField(_ field: ArraySlice<UInt8>) -> Int64? {
    guard let first = field.first else { return 0 }
    return first & 0x80 != 0 ? parseBase256(field) : parseOctal(field)
  }

  /// Octal digits after optional leading spaces/NULs, ended by a space, a NUL or the field's end (as GNU tar).
  static func parseOctal(_ field: ArraySlice<UInt8>) -> Int64? {
    var index = field.startIndex
    while index < field.endIndex, field[index] == UInt8(ascii: " ") || field[index] == 0 { index += 1 }
    var value: Int64 = 0
    while index < field.endIndex, field[index] >= UInt8(ascii: "0"), field[index] <= UInt8(ascii: "7") {
      // At most 12 octal digits fit a 12-byte field, but a hostile 8-byte field cannot overflow either.
      guard value <= Int64.max >> 3 else { return nil }
      value = value << 3 | Int64(field[index] - UInt8(ascii: "0"))
      index += 1
    }
    guard index == field.endIndex || field[index] == UInt8(ascii: " ") || field[index] == 0 else { return nil }
    return value
  }

  /// GNU base-256: the high bit of the first byte is set; bit 0x40 is the sign of a big-endian two's complement.
  static func parseBase256(_ field: ArraySlice<UInt8>) -> Int64? {
    guard let first = field.first else { return nil }
    let invert: UInt8 = first & 0x40 != 0 ? 0xFF : 0
    var value: UInt64 = 0
    for (position, byte) in field.enumerated() {
      var bits = byte ^ invert
      if position == 0 { bits &= 0x7F }
      guard value >> 56 == 0 else { return nil }
      value = value << 8 | UInt64(bits)
    }
    guard value >> 63 == 0 else { return nil }
    return invert == 0 ? Int64(value) : ~Int64(value)
  }

  /// Parses a PAX decimal number (digits only, no sign); nil when malformed or outside Int64.
  static func parseDecimal(_ bytes: ArraySlice<UInt8>) -> Int64? {
    guard !bytes.isEmpty else { return nil }
    var value: Int64 = 0
    for byte in bytes {
      guard let digit = decimalDigit(byte) else { return nil }
      let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit))
      guard !overflow1, !overflow2 else { return nil }
      value = sum
    }
    return value
  }

  /// The largest value `width - 1` octal digits hold (the last byte is the NUL terminator).
  static func octalLimit(width: Int) -> Int64 {
    (1 << (3 * Int64(width - 1))) - 1
  }

  /// Writes `value` as zero-padded octal into `width - 1` bytes plus a NUL; the value must fit.
  static func writeOctal(_ value: Int64, width: Int, into block: inout [UInt8], at offset: Int) {
    var remaining = max(0, min(value, octalLimit(width: width)))
    for position in stride(from: offset + width - 2, through: offset, by: -1) {
      block[position] = UInt8(ascii: "0") + UInt8(remaining & 7)
      remaining >>= 3
    }
    block[offset + width - 1] = 0
  }
}
