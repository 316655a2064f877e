import StarlingTar

/// Builds header blocks byte by byte, for inputs TarWriter never produces (old formats, hostile fields).
struct RawHeader {
  enum Magic { case ustar, gnu, v7 }

  var bytes = [UInt8](repeating: 0, count: 512)
  /// When set, the checksum field is left as written instead of being computed.
  var fixedChecksum = false
  /// Sum the checksum as signed bytes, like some historical tars.
  var signedChecksum = false

  init(_ name: String, type: Character = "0", size: Int = 0, mode: Int = 0o644, magic: Magic = .ustar) {
    text(0, 100, name)
    octal(100, 8, mode)
    octal(108, 8, 0)
    octal(116, 8, 0)
    octal(124, 12, size)
    octal(136, 12, 1_704_067_200)
    bytes[156] = type.asciiValue ?? 0
    switch magic {
    case .ustar: text(257, 8, "ustar\u{0}00")
    case .gnu: text(257, 8, "ustar  \u{0}")
    case .v7: break
    }
  }

  mutating func text(_ offset: Int, _ length: Int, _ value: String) {
    raw(offset, length, Array(value.utf8))
  }

  mutating func raw(_ offset: Int, _ length: Int, _ value: [UInt8]) {
    for index in 0..<length { bytes[offset + index] = index < value.count ? value[index] : 0 }
  }

  mutating func octal(_ offset: Int, _ length: Int, _ value: Int) {
    let digits = String(value, radix: 8)
    text(offset, length, String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits)
  }

  /// GNU base-256: 0x80 (or 0xFF when negative) then big-endian two's complement.
  mutating func base256(_ offset: Int, _ length: Int, _ value: Int64) {
    for index in 0..<length {
      let shift = (length - 1 - index) * 8
      bytes[offset + index] = shift >= 64 ? (value < 0 ? 0xFF : 0) : UInt8(truncatingIfNeeded: value >> Int64(shift))
    }
    bytes[offset] = value < 0 ? 0xFF : 0x80
  }

  var block: [UInt8] {
    var block = bytes
    guard !fixedChecksum else { return block }
    for index in 148..<156 { block[index] = UInt8(ascii: " ") }
    let sum = signedChecksum ? block.reduce(0) { $0 + Int(Int8(bitPattern: $1)) } : block.reduce(0) { $0 + Int($1) }
    let digits = String(sum < 0 ? sum & 0o777777 : sum, radix: 8)
    let field = Array((String(repeating: "0", count: max(0, 6 - digits.count)) + digits).utf8) + [0, 32]
    for (index, byte) in field.enumerated() { block[148 + index] = byte }
    return block
  }
}

/// A member: header, content, padding.
func member(_ header: RawHeader, _ content: [UInt8] = []) -> [UInt8] {
  header.block + content + [UInt8](repeating: 0, count: TarWriter.padding(forContentSize: Int64(content.count)))
}

func member(_ header: RawHeader, _ content: String) -> [UInt8] {
  member(header, Array(content.utf8))
}

/// A PAX extended ('x') or global ('g') header with exactly these data bytes.
func paxData(_ data: [UInt8], type: Character = "x") -> [UInt8] {
  member(RawHeader("././@PaxHeader", type: type, size: data.count), data)
}

/// A PAX header with well-formed records.
func pax(_ records: [(String, String)], type: Character = "x") -> [UInt8] {
  paxData(records.flatMap { paxRecord($0.0, Array($0.1.utf8)) }, type: type)
}

func paxRecord(_ key: String, _ value: [UInt8]) -> [UInt8] {
  let payload = key.utf8.count + value.count + 3
  var length = payload + 1
  while String(length).count + payload > length { length += 1 }
  return Array("\(length) \(key)=".utf8) + value + [0x0A]
}

/// The two zero blocks that end an archive.
let endMarker = [UInt8](repeating: 0, count: 1024)
