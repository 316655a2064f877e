/// One filesystem object as the converter hands it to the index builder.
public struct IndexEntry: Sendable, Equatable {
  /// What kind of object.
  public enum Kind: Sendable, Equatable {
    case regular(streamOffset: UInt64)
    case directory
    case symlink(target: [UInt8])
    case characterDevice(major: UInt32, minor: UInt32)
    case blockDevice(major: UInt32, minor: UInt32)
    case fifo
  }

  /// The kind.
  public var kind: Kind
  /// Permission bits (0o7777).
  public var permissions: UInt32
  public var uid: UInt32
  public var gid: UInt32
  /// Content size of a regular file.
  public var size: UInt64
  public var mtimeSeconds: Int64
  public var mtimeNanoseconds: UInt32
  /// Extended attributes, in order.
  public var xattrs: [(name: [UInt8], value: [UInt8])]

  public init(
    kind: Kind, permissions: UInt32, uid: UInt32, gid: UInt32, size: UInt64, mtimeSeconds: Int64,
    mtimeNanoseconds: UInt32, xattrs: [(name: [UInt8], value: [UInt8])] = []
  ) {
    self.kind = kind
    self.permissions = permissions & 0o7777
    self.uid = uid
    self.gid = gid
    self.size = size
    self.mtimeSeconds = mtimeSeconds
    self.mtimeNanoseconds = mtimeNanoseconds
    self.xattrs = xattrs
  }

  /// The full `st_mode` (file type bits and permissions).
  public var mode: UInt32 {
    let type: UInt32
    switch kind {
    case .regular: type = 0o100000
    case .directory: type = 0o040000
    case .symlink: type = 0o120000
    case .characterDevice: type = 0o020000
    case .blockDevice: type = 0o060000
    case .fifo: type = 0o010000
    }
    return type | permissions
  }

  public static func == (lhs: IndexEntry, rhs: IndexEntry) -> Bool {
    lhs.kind == rhs.kind && lhs.permissions == rhs.permissions && lhs.uid == rhs.uid && lhs.gid == rhs.gid
      && lhs.size == rhs.size && lhs.mtimeSeconds == rhs.mtimeSeconds
      && lhs.mtimeNanoseconds == rhs.mtimeNanoseconds
      && lhs.xattrs.map(\.name) == rhs.xattrs.map(\.name) && lhs.xattrs.map(\.value) == rhs.xattrs.map(\.value)
  }
}

/// Bits of an entry record's `flags` field.
public struct EntryFlags: OptionSet, Sendable {
  public let rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }
  /// Another name of a hard-linked object; field `a` holds the canonical entry's index.
  public static let hardLinkAlias = EntryFlags(rawValue: 1 << 0)
  /// An OCI whiteout (`.wh.NAME` in the tar), presented as a 0/0 character device named NAME.
  public static let whiteout = EntryFlags(rawValue: 1 << 1)
  /// An opaque directory (`.wh..wh..opq` in the tar).
  public static let opaque = EntryFlags(rawValue: 1 << 2)
  /// A directory that had no entry of its own in the tar (a parent created implicitly).
  public static let implicit = EntryFlags(rawValue: 1 << 3)
}

/// A frame of the blob as recorded in the index.
public struct FrameRecord: Sendable, Equatable {
  /// Offset of the frame's decompressed bytes in the layer's tar stream.
  public var streamOffset: UInt64
  /// Offset of the frame in the blob.
  public var blobOffset: UInt64
  public var compressedSize: UInt32
  public var uncompressedSize: UInt32
  /// Index of the first frame with identical content (itself when unique); fetch that one.
  public var canonical: UInt32
  /// Whether the frame holds one file's content only (a chunk) or headers and small files (a group).
  public var isChunk: Bool
  /// sha256 of the decompressed bytes.
  public var digest: Digest

  public init(
    streamOffset: UInt64, blobOffset: UInt64, compressedSize: UInt32, uncompressedSize: UInt32, canonical: UInt32,
    isChunk: Bool, digest: Digest
  ) {
    self.streamOffset = streamOffset
    self.blobOffset = blobOffset
    self.compressedSize = compressedSize
    self.uncompressedSize = uncompressedSize
    self.canonical = canonical
    self.isChunk = isChunk
    self.digest = digest
  }
}
