extension TarReader {
  /// Builds the entry from a member's header and extensions; errors here concern this member only.
  func makeEntry(_ member: TarMember) throws(TarError) -> TarEntry {
    let header = member.header
    let extended = member.extended
    let sparseName = extended.sparse.isPresent ? extended.sparse.name : nil
    let rawPath = sparseName ?? extended.path ?? member.longName ?? header.fullName
    guard rawPath.count <= limits.maxPathBytes else {
      throw .limitExceeded(path: nil, what: "a path of \(rawPath.count) bytes (limit \(limits.maxPathBytes))")
    }
    let rawText = try text(rawPath, path: nil, what: "path")
    var kind = try Self.kind(header.typeflag, path: rawText)
    // Old tars mark directories only by a trailing slash on a regular file's name.
    if kind == .regular, rawPath.last == UInt8(ascii: "/") { kind = .directory }
    let path = try TarPath.normalize(rawText)
    if path.isEmpty, kind != .directory {
      throw .unsafePath(path: rawText, reason: "it names the archive root but is not a directory")
    }
    func number(_ range: Range<Int>, _ what: String) throws(TarError) -> Int64 {
      guard let value = TarNumeric.parseField(header.bytes[range]), value >= 0 else {
        throw .invalidHeader(path: path, offset: member.offset, reason: "the \(what) field is malformed or negative")
      }
      return value
    }
    let hasNames = header.format != .v7
    var entry = TarEntry(path: path, kind: kind)
    entry.mode = UInt32(truncatingIfNeeded: try number(TarHeaderBlock.mode, "mode") & 0o7777)
    // Header fields are parsed only when no PAX value overrides them: writers fill overridden fields loosely.
    if let uid = extended.uid ?? global.uid {
      entry.uid = uid
    } else {
      entry.uid = try number(TarHeaderBlock.uid, "uid")
    }
    if let gid = extended.gid ?? global.gid {
      entry.gid = gid
    } else {
      entry.gid = try number(TarHeaderBlock.gid, "gid")
    }
    let userName =
      extended.userName ?? global.userName ?? (hasNames ? Array(header.string(TarHeaderBlock.userName)) : [])
    entry.userName = try text(userName, path: path, what: "user name")
    let groupName =
      extended.groupName ?? global.groupName
      ?? (hasNames ? Array(header.string(TarHeaderBlock.groupName)) : [])
    entry.groupName = try text(groupName, path: path, what: "group name")
    if let mtime = extended.modificationTime ?? global.modificationTime {
      entry.modificationTime = mtime
    } else {
      entry.modificationTime = TarTime(
        seconds: try headerTime(header, TarHeaderBlock.mtime, member: member, path: path))
    }
    entry.accessTime = extended.accessTime ?? global.accessTime
    entry.changeTime = extended.changeTime ?? global.changeTime
    if header.format == .gnu {
      // GNU incremental archives keep atime and ctime in the header; elsewhere these bytes are zero.
      let atime = try headerTime(header, TarHeaderBlock.gnuAccessTime, member: member, path: path)
      let ctime = try headerTime(header, TarHeaderBlock.gnuChangeTime, member: member, path: path)
      if entry.accessTime == nil, atime != 0 { entry.accessTime = TarTime(seconds: atime) }
      if entry.changeTime == nil, ctime != 0 { entry.changeTime = TarTime(seconds: ctime) }
    }
    switch kind {
    case .regular:
      entry.size = member.dataSize
    case .hardLink, .symbolicLink:
      let rawTarget = extended.linkPath ?? member.longLink ?? Array(header.string(TarHeaderBlock.linkName))
      guard rawTarget.count <= limits.maxPathBytes else {
        throw .limitExceeded(
          path: path, what: "a link target of \(rawTarget.count) bytes (limit \(limits.maxPathBytes))")
      }
      let target = try text(rawTarget, path: path, what: "link target")
      guard !rawTarget.contains(0) else { throw .unsafeLinkTarget(path: path, target: target) }
      guard kind == .hardLink else {
        entry.linkTarget = target
        break
      }
      guard let normalized = try? TarPath.normalize(target), !normalized.isEmpty else {
        throw .unsafeLinkTarget(path: path, target: target)
      }
      entry.linkTarget = normalized
    case .characterDevice, .blockDevice:
      func device(_ range: Range<Int>, _ what: String) throws(TarError) -> UInt32 {
        guard hasNames else { return 0 }
        guard let value = UInt32(exactly: try number(range, what)) else {
          throw .invalidHeader(path: path, offset: member.offset, reason: "the \(what) field is out of range")
        }
        return value
      }
      if let major = extended.deviceMajor {
        entry.deviceMajor = major
      } else {
        entry.deviceMajor = try device(TarHeaderBlock.deviceMajor, "device major")
      }
      if let minor = extended.deviceMinor {
        entry.deviceMinor = minor
      } else {
        entry.deviceMinor = try device(TarHeaderBlock.deviceMinor, "device minor")
      }
    case .directory, .fifo:
      break
    }
    entry.xattrs = extended.xattrs
    return entry
  }

  private static func kind(_ typeflag: UInt8, path: String) throws(TarError) -> TarEntry.Kind {
    switch typeflag {
    case UInt8(ascii: "0"), 0, UInt8(ascii: "7"), UInt8(ascii: "S"): return .regular
    case UInt8(ascii: "1"): return .hardLink
    case UInt8(ascii: "2"): return .symbolicLink
    case UInt8(ascii: "3"): return .characterDevice
    case UInt8(ascii: "4"): return .blockDevice
    case UInt8(ascii: "5"): return .directory
    case UInt8(ascii: "6"): return .fifo
    default:
      let shown = typeflag >= 0x20 && typeflag < 0x7F ? "'\(Character(Unicode.Scalar(typeflag)))'" : "\(typeflag)"
      throw .unsupported(path: path, reason: "typeflag \(shown) is not a known member type")
    }
  }

  /// A time field, which GNU tar may store in base-256 (so it can be negative).
  private func headerTime(
    _ header: TarHeaderBlock, _ range: Range<Int>, member: TarMember, path: String
  ) throws(TarError) -> Int64 {
    guard let value = TarNumeric.parseField(header.bytes[range]) else {
      throw .invalidHeader(path: path, offset: member.offset, reason: "a time field is malformed")
    }
    return value
  }

  /// Strings must be UTF-8: `String` cannot hold other bytes exactly, and a lossy name could collide.
  private func text(_ bytes: some Collection<UInt8>, path: String?, what: String) throws(TarError) -> String {
    guard let text = String(validating: bytes, as: UTF8.self) else {
      let shown = String(decoding: bytes, as: UTF8.self)
      throw .unsupported(path: path ?? shown, reason: "its \(what) is not valid UTF-8")
    }
    return text
  }
}
