/// Collects the PAX records of one entry and turns them into an extended header ('x').
struct TarPaxBuilder {
  private var records: [UInt8] = []
  private var binary = false

  var isEmpty: Bool { records.isEmpty }

  mutating func add(_ key: String, _ value: [UInt8]) {
    records += TarPaxRecords.encode(key, value)
  }

  /// An xattr record; keys are bytes (the escaped name) and values may be any bytes.
  mutating func add(_ prefix: String, _ name: [UInt8], _ value: [UInt8]) {
    if !binary, !TarText.isUTF8(value) { binary = true }
    records += TarPaxRecords.encode(prefix + String(decoding: name, as: UTF8.self), value)
  }

  /// The 'x' header block, the records and their padding.
  func headerBlocks(name: [UInt8], mtime: Int64) -> [UInt8] {
    // POSIX requires UTF-8 values unless the header says otherwise; GNU tar and Python say so this way.
    let data = (binary ? TarPaxRecords.encode("hdrcharset", Array("BINARY".utf8)) : []) + records
    var block = TarHeaderBlock([UInt8](repeating: 0, count: TarHeaderBlock.blockSize))
    block.set(TarHeaderBlock.name, Array("././@PaxHeader".utf8))
    block.setOctal(TarHeaderBlock.mode, 0o644)
    block.setOctal(TarHeaderBlock.uid, 0)
    block.setOctal(TarHeaderBlock.gid, 0)
    block.setOctal(TarHeaderBlock.sizeField, Int64(data.count))
    block.setOctal(TarHeaderBlock.mtime, mtime)
    block.bytes[TarHeaderBlock.typeflag] = UInt8(ascii: "x")
    block.set(TarHeaderBlock.magic, Array("ustar\u{0}00".utf8))
    block.updateChecksum()
    let padding = [UInt8](repeating: 0, count: TarWriter.padding(forContentSize: Int64(data.count)))
    return block.bytes + data + padding
  }
}

extension TarHeaderBlock {
  /// Copies `value` into the field (the caller checked it fits; longer values are cut).
  mutating func set(_ range: Range<Int>, _ value: some Collection<UInt8>) {
    for (index, byte) in zip(range, value) { bytes[index] = byte }
  }

  mutating func setOctal(_ range: Range<Int>, _ value: Int64) {
    TarNumeric.writeOctal(value, width: range.count, into: &bytes, at: range.lowerBound)
  }

  /// Writes the number as octal, or 0 plus a PAX record when octal cannot hold it.
  mutating func setNumber(_ range: Range<Int>, _ value: Int64, key: String, pax: inout TarPaxBuilder) {
    if value > TarNumeric.octalLimit(width: range.count) {
      pax.add(key, Array(String(value).utf8))
      setOctal(range, 0)
    } else {
      setOctal(range, value)
    }
  }

  /// Writes a user or group name, or a PAX record when it is not short NUL-free ASCII.
  mutating func setName(_ range: Range<Int>, _ name: String, key: String, pax: inout TarPaxBuilder) {
    let bytes = Array(name.utf8)
    if TarText.isPlainASCII(bytes), bytes.count < range.count {
      set(range, bytes)
    } else {
      pax.add(key, bytes)
    }
  }
}
