/// One archive member's metadata, with every PAX and GNU extension already applied.
///
/// The archive root (a member named "./" or "/") is returned as a directory whose `path` is "" so the caller
/// can decide what to do with the root's metadata.
///
/// `String` equality is Unicode canonical equivalence, so an NFC and an NFD spelling of the same name compare
/// equal: key tables by `path.utf8` (bytes) where two members must stay distinct.
public struct TarEntry: Sendable, Hashable {
  /// The file type; raw values are stable.
  public enum Kind: UInt8, Sendable, Hashable, CaseIterable {
    case regular, hardLink, symbolicLink, characterDevice, blockDevice, directory, fifo
  }

  /// Normalized path: relative, no "." or empty components, no trailing "/", never escaping the root.
  public var path: String
  /// The file type.
  public var kind: Kind
  /// The 12 permission bits (0o7777) only.
  public var mode: UInt32
  /// Numeric owner; numeric ids win over names.
  public var uid: Int64
  /// Numeric group.
  public var gid: Int64
  /// Owner name as stored (may be empty).
  public var userName: String
  /// Group name as stored (may be empty).
  public var groupName: String
  /// Logical content size of a regular file (sparse files: the expanded size); 0 for every other kind.
  public var size: Int64
  /// Modification time.
  public var modificationTime: TarTime
  /// Access time, present only when the archive stores one.
  public var accessTime: TarTime?
  /// Status-change time, present only when the archive stores one.
  public var changeTime: TarTime?
  /// Symlink: the raw target (never followed); hard link: the normalized path of the target; otherwise "".
  public var linkTarget: String
  /// Device major number (character and block devices only, else 0).
  public var deviceMajor: UInt32
  /// Device minor number (character and block devices only, else 0).
  public var deviceMinor: UInt32
  /// Extended attributes in archive order, names unique.
  public var xattrs: [TarXattr]

  /// An entry with the given fields; everything not named defaults to zero or empty.
  public init(
    path: String, kind: Kind, mode: UInt32 = 0o644, uid: Int64 = 0, gid: Int64 = 0,
    userName: String = "", groupName: String = "", size: Int64 = 0,
    modificationTime: TarTime = TarTime(seconds: 0), accessTime: TarTime? = nil, changeTime: TarTime? = nil,
    linkTarget: String = "", deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0, xattrs: [TarXattr] = []
  ) {
    self.path = path
    self.kind = kind
    self.mode = mode
    self.uid = uid
    self.gid = gid
    self.userName = userName
    self.groupName = groupName
    self.size = size
    self.modificationTime = modificationTime
    self.accessTime = accessTime
    self.changeTime = changeTime
    self.linkTarget = linkTarget
    self.deviceMajor = deviceMajor
    self.deviceMinor = deviceMinor
    self.xattrs = xattrs
  }
}

extension TarEntry {
  static let whiteoutPrefix = ".wh.".utf8
  static let opaqueWhiteout = ".wh..wh..opq".utf8

  /// True for an OCI whiteout file: the last component starts with ".wh." and is not ".wh..wh..opq".
  ///
  /// Check `whiteoutTarget` too: it is nil for degenerate names (".wh.", ".wh..", ".wh...") that name nothing.
  public var isWhiteout: Bool {
    let name = baseName
    return name.starts(with: Self.whiteoutPrefix) && !name.elementsEqual(Self.opaqueWhiteout)
  }

  /// True for an OCI opaque-directory marker: the last component is ".wh..wh..opq".
  public var isOpaqueWhiteout: Bool { baseName.elementsEqual(Self.opaqueWhiteout) }

  /// For ".wh.NAME", the path it deletes (the whiteout's directory + NAME); nil otherwise.
  public var whiteoutTarget: String? {
    guard isWhiteout else { return nil }
    let name = baseName.dropFirst(Self.whiteoutPrefix.count)
    // "." and ".." would name the directory itself or its parent, never a sibling.
    guard !name.isEmpty, !name.elementsEqual(".".utf8), !name.elementsEqual("..".utf8) else { return nil }
    let directory = path.utf8.dropLast(baseName.count)
    return String(Substring(directory)) + String(Substring(name))
  }

  /// The last path component as UTF-8 ("" for the root).
  private var baseName: Substring.UTF8View {
    let bytes = Substring(path).utf8
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return bytes }
    return bytes[bytes.index(after: slash)...]
  }
}
