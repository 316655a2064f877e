extension ChunkIndex {
  /// The root directory's record.
  public var root: UInt32 { 0 }

  /// The child of directory `parent` named `name` (binary search; names are sorted bytewise).
  public func lookup(parent: UInt32, name: some Collection<UInt8>) throws(IndexFormatError) -> UInt32? {
    let directory = try entry(parent)
    guard directory.isDirectory else { return nil }
    var low = directory.firstChild
    var high = directory.firstChild + directory.childCount
    while low < high {
      let mid = low + (high - low) / 2
      let candidate = try self.name(of: try entry(mid))
      if candidate.elementsEqual(name) { return mid }
      if candidate.lexicographicallyPrecedes(name) { low = mid + 1 } else { high = mid }
    }
    return nil
  }

  /// The entry at a slash-separated path ("" or "/" is the root); symlinks are not followed.
  public func lookup(path: String) throws(IndexFormatError) -> UInt32? {
    var current = root
    for component in path.utf8.split(separator: UInt8(ascii: "/")) {
      guard let next = try lookup(parent: current, name: component) else { return nil }
      current = next
    }
    return current
  }

  /// The children of a directory, in name order.
  public func children(of directory: UInt32) throws(IndexFormatError) -> Range<UInt32> {
    let record = try entry(directory)
    guard record.isDirectory else { return 0..<0 }
    return record.firstChild..<record.firstChild + record.childCount
  }

  /// The full path of an entry (no leading slash; "" for the root).
  public func path(of index: UInt32) throws(IndexFormatError) -> String {
    var parts: [ArraySlice<UInt8>] = []
    var current = try entry(index)
    var depth = 0
    while current.index != root {
      parts.append(try name(of: current))
      current = try entry(current.parent)
      depth += 1
      // A parent chain that does not reach the root within entryCount steps is a cycle.
      guard depth <= Int(entryCount) else { throw .inconsistent(reason: "entry \(index) has a parent cycle") }
    }
    return parts.reversed().map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
  }

  /// Decodes frame `index`.
  public func frame(_ index: UInt32) throws(IndexFormatError) -> FrameRecord {
    guard index < frameCount else { throw .outOfBounds(record: "frame", index: Int(index), field: "index") }
    let o = framesOffset + Int(index) * LayerFormat.frameRecordSize
    let canonical = u32(o + 24)
    guard canonical <= index else { throw .outOfBounds(record: "frame", index: Int(index), field: "canonical") }
    // Validated here so every caller's offset arithmetic stays within the tar stream and blob.
    let (streamEnd, streamOverflow) = u64(o).addingReportingOverflow(UInt64(u32(o + 20)))
    guard !streamOverflow, streamEnd <= tarSize else {
      throw .outOfBounds(record: "frame", index: Int(index), field: "stream offset")
    }
    let (blobEnd, blobOverflow) = u64(o + 8).addingReportingOverflow(UInt64(u32(o + 16)))
    guard !blobOverflow, blobEnd <= dataSize else {
      throw .outOfBounds(record: "frame", index: Int(index), field: "blob offset")
    }
    return FrameRecord(
      streamOffset: u64(o), blobOffset: u64(o + 8), compressedSize: u32(o + 16), uncompressedSize: u32(o + 20),
      canonical: canonical, isChunk: u32(o + 28) == 0, digest: Digest(sha256: bytes[o + 32..<o + 64]))
  }

  /// The frames whose decompressed bytes overlap `range` of the tar stream.
  public func frames(covering range: Range<UInt64>) throws(IndexFormatError) -> Range<UInt32> {
    guard !range.isEmpty, frameCount > 0 else { return 0..<0 }
    // Last frame starting at or before range.lowerBound.
    var low: UInt32 = 0
    var high = frameCount
    while high - low > 1 {
      let mid = low + (high - low) / 2
      if try frame(mid).streamOffset <= range.lowerBound { low = mid } else { high = mid }
    }
    var end = low
    while end < frameCount {
      let f = try frame(end)
      if f.streamOffset >= range.upperBound { break }
      end += 1
    }
    let first = try frame(low)
    guard first.streamOffset <= range.lowerBound else {
      throw .inconsistent(reason: "no frame covers stream offset \(range.lowerBound)")
    }
    return low..<end
  }

  /// The pieces of frames that hold bytes `range` of a regular file, in file order.
  public func chunks(of record: EntryRecord, range: Range<UInt64>) throws(IndexFormatError) -> [ChunkSlice] {
    let target = record.flags.contains(.hardLinkAlias) ? try entry(record.canonical) : record
    guard target.isRegular else { return [] }
    let clamped = min(range.lowerBound, target.size)..<min(range.upperBound, target.size)
    guard !clamped.isEmpty else { return [] }
    let (contentEnd, overflow) = target.streamOffset.addingReportingOverflow(target.size)
    guard !overflow, contentEnd <= tarSize else {
      throw .outOfBounds(record: "entry", index: Int(record.index), field: "content")
    }
    let start = target.streamOffset + clamped.lowerBound
    let end = target.streamOffset + clamped.upperBound
    var slices: [ChunkSlice] = []
    for i in try frames(covering: start..<end) {
      let f = try frame(i)
      let from = max(start, f.streamOffset)
      let to = min(end, f.streamOffset + UInt64(f.uncompressedSize))
      guard from < to else { continue }
      slices.append(
        ChunkSlice(
          frameIndex: i, frame: f, offsetInFrame: Int(from - f.streamOffset), length: Int(to - from),
          fileOffset: from - target.streamOffset))
    }
    guard slices.reduce(0, { $0 + $1.length }) == clamped.count else {
      throw .inconsistent(reason: "frames do not cover the content of entry \(record.index)")
    }
    return slices
  }
}

/// Part of one frame's decompressed bytes that belongs to a file.
public struct ChunkSlice: Sendable, Equatable {
  /// The frame's index.
  public var frameIndex: UInt32
  /// The frame's record.
  public var frame: FrameRecord
  /// Where the file's bytes start inside the decompressed frame.
  public var offsetInFrame: Int
  /// How many bytes of the file the frame holds in this slice.
  public var length: Int
  /// Offset in the file of the first byte.
  public var fileOffset: UInt64
}
