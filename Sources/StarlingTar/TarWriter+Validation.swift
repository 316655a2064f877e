extension TarWriter {
  /// Rejects entries TarReader could never return, so that every written entry reads back unchanged.
  static func validate(_ entry: TarEntry) throws(TarError) {
    func invalid(_ reason: String) -> TarError { .invalidEntry(path: entry.path, reason: reason) }
    guard let normalized = try? TarPath.normalize(entry.path) else {
      throw invalid("the path contains NUL or climbs above the root")
    }
    guard normalized.utf8.elementsEqual(entry.path.utf8) else {
      throw invalid("the path is not normalized (TarPath.normalize gives \"\(normalized)\")")
    }
    guard !entry.path.isEmpty || entry.kind == .directory else { throw invalid("only a directory can be the root") }
    guard entry.mode <= 0o7777 else { throw invalid("the mode has bits beyond 0o7777") }
    guard entry.uid >= 0, entry.gid >= 0 else { throw invalid("the uid or gid is negative") }
    guard entry.size >= 0, entry.kind == .regular || entry.size == 0 else {
      throw invalid("only a regular file can have a non-zero size")
    }
    for time in [entry.modificationTime, entry.accessTime, entry.changeTime].compactMap({ $0 }) {
      guard time.nanoseconds < 1_000_000_000 else { throw invalid("a time has a billion nanoseconds or more") }
    }
    switch entry.kind {
    case .hardLink:
      guard let target = try? TarPath.normalize(entry.linkTarget), !target.isEmpty,
        target.utf8.elementsEqual(entry.linkTarget.utf8)
      else { throw invalid("a hard link target must be a normalized path below the root") }
    case .symbolicLink:
      guard !entry.linkTarget.utf8.contains(0) else { throw invalid("the link target contains NUL") }
    default:
      guard entry.linkTarget.isEmpty else { throw invalid("only links have a link target") }
    }
    if entry.kind != .characterDevice && entry.kind != .blockDevice {
      guard entry.deviceMajor == 0, entry.deviceMinor == 0 else { throw invalid("only devices have device numbers") }
    }
    var names = Set<[UInt8]>()
    for xattr in entry.xattrs {
      let name = Array(xattr.name.utf8)
      guard !name.isEmpty, !name.contains(0) else { throw invalid("an xattr name is empty or contains NUL") }
      guard names.insert(name).inserted else { throw invalid("the xattr \"\(xattr.name)\" appears twice") }
    }
  }
}
