/// A member's header with the extension headers that preceded it, before it becomes a TarEntry.
struct TarMember {
  var header: TarHeaderBlock
  /// Archive offset of the header block.
  var offset: Int64
  var longName: [UInt8]?
  var longLink: [UInt8]?
  var extended: TarExtendedHeader
  /// Stored bytes after the header (and after old-GNU sparse extension blocks).
  var dataSize: Int64
  /// The runs of an old-GNU sparse member ('S').
  var oldSparse: TarSparseMap?

  /// Links, devices, directories and fifos never have data records, whatever the size field says (POSIX, and
  /// Go's archive/tar, which containerd uses); regular files and unknown types do.
  var carriesData: Bool {
    !(UInt8(ascii: "1")...UInt8(ascii: "6")).contains(header.typeflag)
  }
}

extension TarReader {
  /// Reads header blocks until a real member's header, consuming PAX and GNU extension headers on the way.
  mutating func readMember() throws(TarError) -> TarMember? {
    var extended = TarExtendedHeader()
    var longName: [UInt8]?
    var longLink: [UInt8]?
    var pending = false  // an extension header waits for its member
    while true {
      let offset = input.offset
      guard let block = try input.readBytes(TarHeaderBlock.blockSize) else {
        let path = (extended.path ?? longName).map { String(decoding: $0, as: UTF8.self) }
        if input.offset == offset && !pending { return nil }
        throw .truncated(path: path, offset: input.offset)
      }
      let header = TarHeaderBlock(block)
      if header.isZero {
        guard !pending else {
          throw .invalidHeader(path: nil, offset: offset, reason: "an extension header is followed by the end marker")
        }
        return nil
      }
      guard header.hasValidChecksum else { throw .badChecksum(offset: offset) }
      let size = try header.number(TarHeaderBlock.sizeField, "size", offset: offset)
      guard size >= 0 else { throw .invalidHeader(path: nil, offset: offset, reason: "the size is negative") }
      switch header.typeflag {
      case UInt8(ascii: "x"), UInt8(ascii: "X"):
        let data = try readMeta(size: size, limit: limits.maxPaxHeaderBytes, what: "PAX extended header")
        try extended.apply(records: data, global: false, limits: limits, offset: offset)
        pending = true
      case UInt8(ascii: "g"):
        let data = try readMeta(size: size, limit: limits.maxPaxHeaderBytes, what: "PAX global header")
        if limits.appliesGlobalHeaders {
          try global.apply(records: data, global: true, limits: limits, offset: offset)
        }
      case UInt8(ascii: "L"), UInt8(ascii: "K"):
        let data = try readMeta(size: size, limit: limits.maxPathBytes + 1, what: "GNU long name")
        let name = Array(data[..<(data.firstIndex(of: 0) ?? data.endIndex)])
        if header.typeflag == UInt8(ascii: "L") { longName = name } else { longLink = name }
        pending = true
      case UInt8(ascii: "V"):
        // A GNU volume label names the archive, not a file.
        guard size <= limits.maxEntrySize else { throw tooLarge(size) }
        let total = size + Int64(TarWriter.padding(forContentSize: size))
        guard try input.skip(total) == total else { throw .truncated(path: nil, offset: input.offset) }
      default:
        let dataSize = extended.size ?? size
        guard dataSize <= limits.maxEntrySize else { throw tooLarge(dataSize) }
        var member = TarMember(
          header: header, offset: offset, longName: longName, longLink: longLink, extended: extended,
          dataSize: dataSize)
        if header.typeflag == UInt8(ascii: "S") { member.oldSparse = try readOldSparse(header, offset: offset) }
        return member
      }
    }
  }

  private func tooLarge(_ size: Int64) -> TarError {
    .limitExceeded(path: nil, what: "a member of \(size) bytes (limit \(limits.maxEntrySize))")
  }

  /// Reads an extension header's data and its padding.
  private mutating func readMeta(size: Int64, limit: Int, what: String) throws(TarError) -> [UInt8] {
    guard size <= Int64(limit) else {
      throw .limitExceeded(path: nil, what: "a \(what) of \(size) bytes (limit \(limit))")
    }
    guard let data = try input.readBytes(Int(size)) else { throw .truncated(path: nil, offset: input.offset) }
    let padding = Int64(TarWriter.padding(forContentSize: size))
    guard try input.skip(padding) == padding else { throw .truncated(path: nil, offset: input.offset) }
    return data
  }

  /// The runs in an old-GNU sparse header and in the extension blocks that follow it.
  private mutating func readOldSparse(_ header: TarHeaderBlock, offset: Int64) throws(TarError) -> TarSparseMap {
    var map = TarSparseMap()
    map.logicalSize = try header.number(TarHeaderBlock.gnuRealSize, "GNU real size", offset: offset)
    try map.appendOldGNU(header.bytes[TarHeaderBlock.gnuSparse], limits: limits, offset: offset)
    var extended = header.bytes[TarHeaderBlock.gnuIsExtended] != 0
    while extended {
      let blockOffset = input.offset
      guard let block = try input.readBytes(TarHeaderBlock.blockSize) else {
        throw .truncated(path: nil, offset: input.offset)
      }
      try map.appendOldGNU(block[0..<504], limits: limits, offset: blockOffset)
      extended = block[504] != 0
    }
    return map
  }
}
