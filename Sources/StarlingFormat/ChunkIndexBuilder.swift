/// Collects a layer's entries and frames in tar order and serializes the index.
///
/// Tar semantics are applied here so the index describes the layer as an unpacker would
/// leave it: a later member with the same path replaces the earlier one, parents missing
/// from the tar are created implicitly, hard links share one object, whiteouts become
/// 0/0 character devices, and `.wh..wh..opq` marks its directory opaque.
public final class ChunkIndexBuilder {
  final class Object {
    var entry: IndexEntry
    init(_ entry: IndexEntry) { self.entry = entry }
  }

  final class Node {
    var object: Object
    var children: [[UInt8]: Node] = [:]
    var flags: EntryFlags
    init(_ object: Object, flags: EntryFlags = []) {
      self.object = object
      self.flags = flags
    }
  }

  let root: Node
  var frames: [FrameRecord] = []
  private var firstFrameByDigest: [Digest: UInt32] = [:]

  public init() {
    root = Node(Object(Self.implicitDirectory), flags: .implicit)
  }

  static let implicitDirectory = IndexEntry(
    kind: .directory, permissions: 0o755, uid: 0, gid: 0, size: 0, mtimeSeconds: 0, mtimeNanoseconds: 0)

  /// Adds (or replaces) the object at `path` ("" is the root; components separated by "/").
  public func add(path: String, entry: IndexEntry) {
    if path.isEmpty {
      root.object.entry = entry.withDirectoryKind()
      root.flags.remove(.implicit)
      return
    }
    let (parent, name) = parentNode(of: path)
    if case .directory = entry.kind, let existing = parent.children[name], case .directory = existing.object.entry.kind,
      !existing.flags.contains(.whiteout)
    {
      // A directory member repeated (e.g. a parent listed again): new metadata, same children.
      existing.object.entry = entry
      existing.flags.remove(.implicit)
      return
    }
    parent.children[name] = Node(Object(entry))
  }

  /// Adds `path` as another name of the object at `target`.
  public func addHardLink(path: String, target: String) throws(IndexFormatError) {
    guard let targetNode = node(at: target) else {
      throw .inconsistent(reason: "hard link '\(path)' points to '\(target)', which is not in the layer before it")
    }
    let (parent, name) = parentNode(of: path)
    parent.children[name] = Node(targetNode.object)
  }

  /// Records a whiteout of `path` (the tar member was `dir/.wh.NAME`, `path` is `dir/NAME`).
  public func addWhiteout(path: String, mtimeSeconds: Int64, mtimeNanoseconds: UInt32) {
    let (parent, name) = parentNode(of: path)
    let entry = IndexEntry(
      kind: .characterDevice(major: 0, minor: 0), permissions: 0, uid: 0, gid: 0, size: 0,
      mtimeSeconds: mtimeSeconds, mtimeNanoseconds: mtimeNanoseconds)
    parent.children[name] = Node(Object(entry), flags: .whiteout)
  }

  /// Marks a directory opaque (the tar member was `dir/.wh..wh..opq`).
  public func markOpaque(directory: String) {
    let node = directory.isEmpty ? root : ensureDirectory(components(directory))
    node.flags.insert(.opaque)
  }

  /// Appends the next frame of the blob; identical frames are linked to their first copy.
  public func addFrame(_ frame: FrameRecord) {
    var frame = frame
    let index = UInt32(frames.count)
    if let first = firstFrameByDigest[frame.digest], frames[Int(first)].uncompressedSize == frame.uncompressedSize {
      frame.canonical = first
    } else {
      frame.canonical = index
      firstFrameByDigest[frame.digest] = index
    }
    frames.append(frame)
  }

  /// Bytes of frames whose content was already stored earlier (what dedup saves readers).
  public var duplicateFrameBytes: (compressed: UInt64, uncompressed: UInt64) {
    frames.enumerated().reduce((0, 0)) { sum, item in
      item.element.canonical == UInt32(item.offset)
        ? sum : (sum.0 + UInt64(item.element.compressedSize), sum.1 + UInt64(item.element.uncompressedSize))
    }
  }

  func components(_ path: String) -> [[UInt8]] {
    path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map(Array.init)
  }

  private func node(at path: String) -> Node? {
    var current = root
    for component in components(path) {
      guard let next = current.children[component] else { return nil }
      current = next
    }
    return current
  }

  private func parentNode(of path: String) -> (Node, [UInt8]) {
    var parts = components(path)
    let name = parts.removeLast()
    return (ensureDirectory(parts), name)
  }

  private func ensureDirectory(_ parts: [[UInt8]]) -> Node {
    var current = root
    for component in parts {
      if let next = current.children[component], case .directory = next.object.entry.kind,
        !next.flags.contains(.whiteout)
      {
        current = next
      } else {
        // Missing (or not a directory): an unpacker would create the parent directory.
        let created = Node(Object(Self.implicitDirectory), flags: .implicit)
        current.children[component] = created
        current = created
      }
    }
    return current
  }
}

extension IndexEntry {
  func withDirectoryKind() -> IndexEntry {
    var copy = self
    copy.kind = .directory
    return copy
  }
}
