/// One entry record of a `ChunkIndex`, decoded.
public struct EntryRecord: Sendable, Equatable {
  /// Position in the index (inode numbers derive from it).
  public var index: UInt32
  public var nameOffset: UInt32
  public var nameLength: UInt32
  /// Index of the parent directory (the root is its own parent).
  public var parent: UInt32
  /// Full `st_mode`.
  public var mode: UInt32
  public var uid: UInt32
  public var gid: UInt32
  /// Regular files: content size; symlinks: target length.
  public var size: UInt64
  public var mtimeSeconds: Int64
  public var mtimeNanoseconds: UInt32
  public var nlink: UInt32
  /// Kind-specific field (see `LayerFormat`).
  public var a: UInt64
  public var xattrStart: UInt32
  public var xattrCount: UInt16
  public var flags: EntryFlags

  /// The file type bits of `mode`.
  public var fileType: UInt32 { mode & 0o170000 }
  public var isDirectory: Bool { fileType == 0o040000 && !flags.contains(.hardLinkAlias) }
  public var isRegular: Bool { fileType == 0o100000 && !flags.contains(.hardLinkAlias) }
  public var isSymlink: Bool { fileType == 0o120000 && !flags.contains(.hardLinkAlias) }
  /// For a hard-link alias, the canonical entry's index.
  public var canonical: UInt32 { flags.contains(.hardLinkAlias) ? UInt32(truncatingIfNeeded: a) : index }
  /// Directories: the first child's index.
  public var firstChild: UInt32 { UInt32(truncatingIfNeeded: a) }
  /// Directories: the number of children.
  public var childCount: UInt32 { UInt32(truncatingIfNeeded: a >> 32) }
  /// Regular files: the content's offset in the tar stream.
  public var streamOffset: UInt64 { a }
  /// Devices: major and minor numbers.
  public var device: (major: UInt32, minor: UInt32) {
    (UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: a >> 32))
  }
}

extension ChunkIndex {
  /// Decodes entry `index`.
  public func entry(_ index: UInt32) throws(IndexFormatError) -> EntryRecord {
    guard index < entryCount else { throw .outOfBounds(record: "entry", index: Int(index), field: "index") }
    let o = entriesOffset + Int(index) * LayerFormat.entryRecordSize
    let record = EntryRecord(
      index: index, nameOffset: u32(o), nameLength: u32(o + 4), parent: u32(o + 8), mode: u32(o + 12),
      uid: u32(o + 16), gid: u32(o + 20), size: u64(o + 24), mtimeSeconds: Int64(bitPattern: u64(o + 32)),
      mtimeNanoseconds: u32(o + 40), nlink: u32(o + 44), a: u64(o + 48), xattrStart: u32(o + 56),
      xattrCount: u16(o + 60), flags: EntryFlags(rawValue: u16(o + 62)))
    guard record.parent < entryCount else { throw .outOfBounds(record: "entry", index: Int(index), field: "parent") }
    if record.flags.contains(.hardLinkAlias), record.canonical >= entryCount {
      throw .outOfBounds(record: "entry", index: Int(index), field: "canonical")
    }
    if record.isDirectory, UInt64(record.firstChild) + UInt64(record.childCount) > UInt64(entryCount) {
      throw .outOfBounds(record: "entry", index: Int(index), field: "children")
    }
    return record
  }

  /// The entry's name (its last path component).
  public func name(of record: EntryRecord) throws(IndexFormatError) -> ArraySlice<UInt8> {
    try string(
      offset: record.nameOffset, length: record.nameLength, record: "entry", index: Int(record.index), field: "name")
  }

  /// A symlink's target.
  public func symlinkTarget(of record: EntryRecord) throws(IndexFormatError) -> ArraySlice<UInt8> {
    try string(
      offset: UInt32(truncatingIfNeeded: record.a), length: UInt32(truncatingIfNeeded: record.a >> 32),
      record: "entry", index: Int(record.index), field: "symlink target")
  }

  /// The entry's extended attributes.
  public func xattrs(of record: EntryRecord) throws(IndexFormatError) -> [(
    name: ArraySlice<UInt8>, value: ArraySlice<UInt8>
  )] {
    guard record.xattrCount > 0 else { return [] }
    guard UInt64(record.xattrStart) + UInt64(record.xattrCount) <= UInt64(xattrCount) else {
      throw .outOfBounds(record: "entry", index: Int(record.index), field: "xattrs")
    }
    var result: [(ArraySlice<UInt8>, ArraySlice<UInt8>)] = []
    for i in 0..<Int(record.xattrCount) {
      let o = xattrsOffset + (Int(record.xattrStart) + i) * LayerFormat.xattrRecordSize
      let name = try string(offset: u32(o), length: UInt32(u16(o + 4)), record: "xattr", index: i, field: "name")
      let value = try string(offset: u32(o + 8), length: u32(o + 12), record: "xattr", index: i, field: "value")
      result.append((name, value))
    }
    return result
  }
}
