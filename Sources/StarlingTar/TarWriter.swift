/// Writer: produces the bytes of a tar stream; the caller writes the content bytes itself between header and padding.
///
/// Headers are ustar, preceded by a PAX extended header ('x') when a field does not fit ustar exactly. The output
/// is deterministic (the same entry always gives the same bytes) and reads back through TarReader to an equal
/// entry. Sparse files are written densely: `size` bytes of content, holes included.
public struct TarWriter: Sendable {
  /// A writer; it keeps no state between entries.
  public init() {}

  /// The header block(s) for an entry: a PAX extended header ('x') when anything does not fit ustar exactly,
  /// followed by the ustar header. Throws `invalidEntry` for an entry TarReader could never return.
  public func header(for entry: TarEntry) throws(TarError) -> [UInt8] {
    try Self.validate(entry)
    var pax = TarPaxBuilder()
    var block = TarHeaderBlock([UInt8](repeating: 0, count: TarHeaderBlock.blockSize))
    let name = Self.memberName(entry)
    if TarText.isPlainASCII(name), let (prefix, rest) = Self.split(name) {
      block.set(TarHeaderBlock.prefix, prefix)
      block.set(TarHeaderBlock.name, rest)
    } else {
      pax.add("path", name)
      block.set(TarHeaderBlock.name, Self.fallback(name))
    }
    if entry.kind == .hardLink || entry.kind == .symbolicLink {
      let target = Array(entry.linkTarget.utf8)
      if !TarText.isPlainASCII(target) || target.count > TarHeaderBlock.linkName.count {
        pax.add("linkpath", target)
      }
      block.set(TarHeaderBlock.linkName, Self.fallback(target))
    }
    block.setOctal(TarHeaderBlock.mode, Int64(entry.mode))
    block.setNumber(TarHeaderBlock.uid, entry.uid, key: "uid", pax: &pax)
    block.setNumber(TarHeaderBlock.gid, entry.gid, key: "gid", pax: &pax)
    block.setNumber(TarHeaderBlock.sizeField, entry.size, key: "size", pax: &pax)
    let mtime = entry.modificationTime
    let mtimeFits =
      mtime.nanoseconds == 0 && mtime.seconds >= 0
      && mtime.seconds <= TarNumeric.octalLimit(width: TarHeaderBlock.mtime.count)
    if !mtimeFits { pax.add("mtime", Array(mtime.description.utf8)) }
    block.setOctal(TarHeaderBlock.mtime, mtime.seconds)  // clamped into range for readers without PAX
    if let atime = entry.accessTime { pax.add("atime", Array(atime.description.utf8)) }
    if let ctime = entry.changeTime { pax.add("ctime", Array(ctime.description.utf8)) }
    block.bytes[TarHeaderBlock.typeflag] = Self.typeflag(entry.kind)
    block.set(TarHeaderBlock.magic, Array("ustar\u{0}00".utf8))
    block.setName(TarHeaderBlock.userName, entry.userName, key: "uname", pax: &pax)
    block.setName(TarHeaderBlock.groupName, entry.groupName, key: "gname", pax: &pax)
    block.setNumber(TarHeaderBlock.deviceMajor, Int64(entry.deviceMajor), key: "SCHILY.devmajor", pax: &pax)
    block.setNumber(TarHeaderBlock.deviceMinor, Int64(entry.deviceMinor), key: "SCHILY.devminor", pax: &pax)
    for xattr in entry.xattrs { pax.add("SCHILY.xattr.", TarText.xattrKeyEscaped(xattr.name), xattr.value) }
    block.updateChecksum()
    guard !pax.isEmpty else { return block.bytes }
    return pax.headerBlocks(name: name, mtime: mtime.seconds) + block.bytes
  }

  /// Zero bytes that pad content of `size` to the next 512-byte boundary.
  public static func padding(forContentSize size: Int64) -> Int {
    size <= 0 ? 0 : Int((512 - size % 512) % 512)
  }

  /// The end-of-archive marker (two zero blocks).
  public static var endOfArchive: [UInt8] { [UInt8](repeating: 0, count: 2 * TarHeaderBlock.blockSize) }

  /// The name as stored: directories get a trailing "/" (old readers rely on it) and the root is "./".
  private static func memberName(_ entry: TarEntry) -> [UInt8] {
    if entry.path.isEmpty { return Array("./".utf8) }
    return Array(entry.path.utf8) + (entry.kind == .directory ? [UInt8(ascii: "/")] : [])
  }

  /// Splits a name into the ustar prefix and name fields (prefix ≤ 155 bytes, name ≤ 100), if possible.
  private static func split(_ name: [UInt8]) -> (ArraySlice<UInt8>, ArraySlice<UInt8>)? {
    if name.count <= TarHeaderBlock.name.count { return ([], name[...]) }
    let lowest = name.count - TarHeaderBlock.name.count - 1
    let highest = min(TarHeaderBlock.prefix.count, name.count - 2)
    guard lowest <= highest else { return nil }
    // Split at a "/" so that the name part fits; the prefix gets as much as it can hold.
    for slash in stride(from: highest, through: max(lowest, 1), by: -1) where name[slash] == UInt8(ascii: "/") {
      return (name[..<slash], name[(slash + 1)...])
    }
    return nil
  }

  /// What a reader without PAX support sees: ASCII, cut to the field.
  private static func fallback(_ bytes: [UInt8]) -> [UInt8] {
    bytes.prefix(TarHeaderBlock.name.count).map { $0 == 0 || $0 >= 0x80 ? UInt8(ascii: "_") : $0 }
  }

  private static func typeflag(_ kind: TarEntry.Kind) -> UInt8 {
    switch kind {
    case .regular: UInt8(ascii: "0")
    case .hardLink: UInt8(ascii: "1")
    case .symbolicLink: UInt8(ascii: "2")
    case .characterDevice: UInt8(ascii: "3")
    case .blockDevice: UInt8(ascii: "4")
    case .directory: UInt8(ascii: "5")
    case .fifo: UInt8(ascii: "6")
    }
  }
}
