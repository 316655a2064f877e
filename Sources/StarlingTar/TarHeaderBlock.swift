/// One 512-byte header block and its fields (ustar, GNU or v7 layout).
struct TarHeaderBlock {
  static let blockSize = 512

  /// Which dialect the magic field announces; it decides where the prefix, atime and ctime live.
  enum Format { case v7, ustar, gnu }

  var bytes: [UInt8]

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  static let name = 0..<100
  static let mode = 100..<108
  static let uid = 108..<116
  static let gid = 116..<124
  static let sizeField = 124..<136
  static let mtime = 136..<148
  static let checksum = 148..<156
  static let typeflag = 156
  static let linkName = 157..<257
  static let magic = 257..<265
  static let userName = 265..<297
  static let groupName = 297..<329
  static let deviceMajor = 329..<337
  static let deviceMinor = 337..<345
  static let prefix = 345..<500
  static let gnuAccessTime = 345..<357
  static let gnuChangeTime = 357..<369
  static let gnuSparse = 386..<482
  static let gnuIsExtended = 482
  static let gnuRealSize = 483..<495

  var format: Format {
    let magic = bytes[Self.magic]
    if magic.starts(with: "ustar\0".utf8) { return .ustar }
    if magic.starts(with: "ustar ".utf8) { return .gnu }
    return .v7
  }

  var typeflag: UInt8 { bytes[Self.typeflag] }

  var isZero: Bool { !bytes.contains { $0 != 0 } }

  /// True when the stored checksum matches the unsigned or the (historical) signed byte sum.
  var hasValidChecksum: Bool {
    guard let stored = TarNumeric.parseOctal(bytes[Self.checksum]) else { return false }
    var unsigned: Int64 = 0
    var signed: Int64 = 0
    for (index, byte) in bytes.enumerated() {
      let value = Self.checksum.contains(index) ? UInt8(ascii: " ") : byte
      unsigned += Int64(value)
      signed += Int64(Int8(bitPattern: value))
    }
    return stored == unsigned || stored == signed
  }

  /// The bytes of a string field up to its first NUL.
  func string(_ range: Range<Int>) -> ArraySlice<UInt8> {
    let field = bytes[range]
    return field[..<(field.firstIndex(of: 0) ?? field.endIndex)]
  }

  /// The numeric field's value; throws `invalidHeader` naming `what` when malformed.
  func number(_ range: Range<Int>, _ what: String, offset: Int64) throws(TarError) -> Int64 {
    guard let value = TarNumeric.parseField(bytes[range]) else {
      throw .invalidHeader(path: nil, offset: offset, reason: "the \(what) field is not a number")
    }
    return value
  }

  /// The name from the name field, joined with the ustar prefix field when there is one.
  var fullName: [UInt8] {
    let name = string(Self.name)
    guard format == .ustar else { return Array(name) }
    let prefix = string(Self.prefix)
    return prefix.isEmpty ? Array(name) : Array(prefix) + [UInt8(ascii: "/")] + name
  }

  /// Stores the checksum of the block as written by GNU tar: six octal digits, NUL, space.
  mutating func updateChecksum() {
    for index in Self.checksum { bytes[index] = UInt8(ascii: " ") }
    let sum = bytes.reduce(0) { $0 + Int64($1) }
    TarNumeric.writeOctal(sum, width: 7, into: &bytes, at: Self.checksum.lowerBound)
    bytes[Self.checksum.upperBound - 1] = UInt8(ascii: " ")
  }
}
