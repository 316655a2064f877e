public import StarlingFUSE
import StarlingFormat

#if canImport(Glibc)
  import Glibc
#endif

extension LayerFilesystem {
  /// Positions: 0 is ".", 1 is "..", 2 + k is the k-th child (children are stored sorted
  /// and contiguous, so a position is stable across calls and restarts).
  public func readdir(inode: UInt64, offset: Int64, into buffer: inout FUSEDirectoryBuffer) throws(FUSEErrno) {
    let directory = try entry(inode)
    guard directory.isDirectory else { throw FUSEErrno(ENOTDIR) }
    var position = max(offset, 0)
    if position == 0 {
      guard
        buffer.add(name: [UInt8(ascii: ".")], attributes: try attributes(directory), nextOffset: 1, instantiate: false)
      else { return }
      position = 1
    }
    if position == 1 {
      let parent = try entry(UInt64(directory.parent) + 1)
      guard
        buffer.add(
          name: [UInt8(ascii: "."), UInt8(ascii: ".")], attributes: try attributes(parent), nextOffset: 2,
          instantiate: false)
      else { return }
      position = 2
    }
    let first = directory.firstChild
    let count = Int64(directory.childCount)
    while position - 2 < count {
      let child = first + UInt32(position - 2)
      do {
        let record = try index.entry(child)
        let name = try index.name(of: record)
        guard buffer.add(name: name, attributes: try attributes(record), nextOffset: position + 1) else { return }
      } catch {
        throw FUSEErrno(EIO)
      }
      position += 1
    }
  }

  public func getxattr(inode: UInt64, name: FUSEName) throws(FUSEErrno) -> [UInt8] {
    let record = try entry(inode)
    if record.flags.contains(.opaque), name.elementsEqual(Self.opaqueName) { return [UInt8(ascii: "y")] }
    for xattr in try xattrs(record) where xattr.name.elementsEqual(name) { return Array(xattr.value) }
    throw FUSEErrno(ENODATA)
  }

  public func listxattr(inode: UInt64) throws(FUSEErrno) -> [UInt8] {
    let record = try entry(inode)
    var names: [UInt8] = []
    if record.flags.contains(.opaque) { names += Self.opaqueName + [0] }
    for xattr in try xattrs(record) { names += xattr.name + [0] }
    return names
  }

  /// Extended attributes of `record` (of its canonical entry for hard links).
  private func xattrs(_ record: EntryRecord) throws(FUSEErrno) -> [(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)]
  {
    do {
      let object = record.flags.contains(.hardLinkAlias) ? try index.entry(record.canonical) : record
      return try index.xattrs(of: object)
    } catch {
      throw FUSEErrno(EIO)
    }
  }
}
