import StarlingCompression

/// Values the serializer writes into the index header.
public struct IndexSummary: Sendable, Equatable {
  /// Length of the layer's uncompressed tar stream.
  public var tarSize: UInt64
  /// Bytes of data frames in the blob (the index frame starts here).
  public var dataSize: UInt64
  /// sha256 of the uncompressed tar stream (the layer's diff_id).
  public var diffID: Digest
  /// Content chunk size used.
  public var chunkSize: UInt32

  public init(tarSize: UInt64, dataSize: UInt64, diffID: Digest, chunkSize: UInt32) {
    self.tarSize = tarSize
    self.dataSize = dataSize
    self.diffID = diffID
    self.chunkSize = chunkSize
  }
}

extension ChunkIndexBuilder {
  /// Serializes the index (uncompressed). Entries are laid out breadth-first with each
  /// directory's children contiguous and sorted by name, so lookups are binary searches.
  public func serialize(_ summary: IndexSummary) -> [UInt8] {
    // Breadth-first order; the first name of an object becomes its canonical entry.
    var order: [(node: Node, name: [UInt8], parent: UInt32)] = [(root, [], 0)]
    var childRanges: [(first: UInt32, count: UInt32)] = []
    var cursor = 0
    while cursor < order.count {
      let node = order[cursor].node
      let sorted = node.children.sorted { $0.key.lexicographicallyPrecedes($1.key) }
      childRanges.append((UInt32(order.count), UInt32(sorted.count)))
      for (name, child) in sorted { order.append((child, name, UInt32(cursor))) }
      cursor += 1
    }
    var canonical: [ObjectIdentifier: UInt32] = [:]
    var names: [ObjectIdentifier: UInt32] = [:]
    for (i, item) in order.enumerated() {
      let id = ObjectIdentifier(item.node.object)
      if canonical[id] == nil { canonical[id] = UInt32(i) }
      names[id, default: 0] += 1
    }
    var strings: [UInt8] = []
    var xattrs: [UInt8] = []
    var xattrCount: UInt32 = 0
    var xattrStarts: [ObjectIdentifier: (UInt32, UInt16)] = [:]
    var entries: [UInt8] = []
    entries.reserveCapacity(order.count * LayerFormat.entryRecordSize)
    for (i, item) in order.enumerated() {
      let node = item.node
      let entry = node.object.entry
      let id = ObjectIdentifier(node.object)
      let nameOffset = UInt32(strings.count)
      strings += item.name
      var flags = node.flags
      var a: UInt64 = 0
      var size = entry.size
      var nlink = names[id] ?? 1
      let canonicalIndex = canonical[id] ?? UInt32(i)
      if canonicalIndex != UInt32(i) {
        flags.insert(.hardLinkAlias)
        a = UInt64(canonicalIndex)
      } else {
        switch entry.kind {
        case .regular(let streamOffset): a = streamOffset
        case .directory:
          a = UInt64(childRanges[i].first) | UInt64(childRanges[i].count) << 32
          nlink =
            2
            + UInt32(
              node.children.values.filter { if case .directory = $0.object.entry.kind { true } else { false } }.count)
        case .symlink(let target):
          a = UInt64(strings.count) | UInt64(target.count) << 32
          strings += target
          size = UInt64(target.count)
        case .characterDevice(let major, let minor), .blockDevice(let major, let minor):
          a = UInt64(major) | UInt64(minor) << 32
        case .fifo: break
        }
      }
      if xattrStarts[id] == nil {
        xattrStarts[id] = (entry.xattrs.isEmpty ? LayerFormat.none : xattrCount, UInt16(entry.xattrs.count))
        for (name, value) in entry.xattrs {
          xattrs.appendLittleEndian(UInt32(strings.count))
          xattrs.appendLittleEndian(UInt16(name.count))
          xattrs.appendLittleEndian(UInt16(0))
          strings += name
          xattrs.appendLittleEndian(UInt32(strings.count))
          xattrs.appendLittleEndian(UInt32(value.count))
          strings += value
          xattrCount += 1
        }
      }
      let (xattrStart, count) = xattrStarts[id] ?? (LayerFormat.none, 0)
      entries.appendLittleEndian(nameOffset)
      entries.appendLittleEndian(UInt32(item.name.count))
      entries.appendLittleEndian(item.parent)
      entries.appendLittleEndian(entry.mode)
      entries.appendLittleEndian(entry.uid)
      entries.appendLittleEndian(entry.gid)
      entries.appendLittleEndian(size)
      entries.appendLittleEndian(entry.mtimeSeconds)
      entries.appendLittleEndian(entry.mtimeNanoseconds)
      entries.appendLittleEndian(nlink)
      entries.appendLittleEndian(a)
      entries.appendLittleEndian(xattrStart)
      entries.appendLittleEndian(count)
      entries.appendLittleEndian(flags.rawValue)
    }
    var out = LayerFormat.indexMagic
    out.appendLittleEndian(LayerFormat.version)
    out.appendLittleEndian(UInt16(LayerFormat.indexHeaderSize))
    out.appendLittleEndian(UInt32(0))
    out.appendLittleEndian(UInt32(order.count))
    out.appendLittleEndian(UInt32(frames.count))
    out.appendLittleEndian(xattrCount)
    out.appendLittleEndian(UInt16(LayerFormat.entryRecordSize))
    out.appendLittleEndian(UInt16(LayerFormat.frameRecordSize))
    out.appendLittleEndian(UInt64(strings.count))
    out.appendLittleEndian(summary.tarSize)
    out.appendLittleEndian(summary.dataSize)
    out.appendLittleEndian(summary.chunkSize)
    out.appendLittleEndian(UInt32(0))
    out += summary.diffID.rawBytes
    out += entries
    for frame in frames {
      out.appendLittleEndian(frame.streamOffset)
      out.appendLittleEndian(frame.blobOffset)
      out.appendLittleEndian(frame.compressedSize)
      out.appendLittleEndian(frame.uncompressedSize)
      out.appendLittleEndian(frame.canonical)
      out.appendLittleEndian(UInt32(frame.isChunk ? 0 : 1))
      out += frame.digest.rawBytes
    }
    out += xattrs
    out += strings
    return out
  }
}
