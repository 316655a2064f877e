/// Values from PAX extended headers that override the ustar header fields of the next member ('x') or of all
/// members that follow ('g'). Strings stay raw bytes until the member is built.
struct TarExtendedHeader {
  var path: [UInt8]?
  var linkPath: [UInt8]?
  var size: Int64?
  var uid: Int64?
  var gid: Int64?
  var userName: [UInt8]?
  var groupName: [UInt8]?
  var modificationTime: TarTime?
  var accessTime: TarTime?
  var changeTime: TarTime?
  var deviceMajor: UInt32?
  var deviceMinor: UInt32?
  var xattrs: [TarXattr] = []
  var sparse = TarPaxSparse()

  /// Keys a global header may set: POSIX applies them to every later member; path-like keys would be absurd.
  private static let globalKeys: Set<String> = ["uid", "gid", "uname", "gname", "mtime", "atime", "ctime"]

  /// Applies every record of one extended header's data, in order.
  mutating func apply(records data: [UInt8], global: Bool, limits: TarLimits, offset: Int64) throws(TarError) {
    try TarPaxRecords.parse(data, offset: offset) { (key, value) throws(TarError) in
      try apply(key: key, value: value, global: global, limits: limits, offset: offset)
    }
  }

  private mutating func apply(
    key keyBytes: ArraySlice<UInt8>, value: ArraySlice<UInt8>, global: Bool, limits: TarLimits, offset: Int64
  ) throws(TarError) {
    let key = String(decoding: keyBytes, as: UTF8.self)
    func invalid(_ what: String = "is malformed") -> TarError {
      .invalidHeader(path: nil, offset: offset, reason: "PAX value of \"\(key)\" \(what)")
    }
    func valid<T>(_ parsed: T?) throws(TarError) -> T {
      guard let parsed else { throw invalid() }
      return parsed
    }
    if global && !Self.globalKeys.contains(key) { return }
    // An empty value deletes the key's earlier value, so the ustar field (or the global value) applies again.
    let deletes = value.isEmpty
    switch key {
    case "path": path = try deletes ? nil : Self.checkedPath(value, limits: limits)
    case "linkpath": linkPath = try deletes ? nil : Self.checkedPath(value, limits: limits)
    case "size": size = try deletes ? nil : valid(TarNumeric.parseDecimal(value))
    case "uid": uid = try deletes ? nil : valid(TarNumeric.parseDecimal(value))
    case "gid": gid = try deletes ? nil : valid(TarNumeric.parseDecimal(value))
    case "uname": userName = global && deletes ? nil : Array(value)
    case "gname": groupName = global && deletes ? nil : Array(value)
    case "mtime": modificationTime = try deletes ? nil : valid(TarTime(paxValue: value))
    case "atime": accessTime = try deletes ? nil : valid(TarTime(paxValue: value))
    case "ctime": changeTime = try deletes ? nil : valid(TarTime(paxValue: value))
    case "SCHILY.devmajor": deviceMajor = try deletes ? nil : valid(Self.device(value))
    case "SCHILY.devminor": deviceMinor = try deletes ? nil : valid(Self.device(value))
    case _ where key.hasPrefix("SCHILY.xattr."):
      // GNU tar escapes "%" and "=" in the name (an "=" would end the key).
      let name = TarText.percentDecoded(keyBytes.dropFirst(13), only: [0x25, 0x3D])
      try addXattr(name: name, value: Array(value), limits: limits, offset: offset)
    case _ where key.hasPrefix("LIBARCHIVE.xattr."):
      let name = TarText.percentDecoded(keyBytes.dropFirst(17), only: nil)
      guard let decoded = TarText.base64Decoded(value) else { throw invalid("is not base64") }
      try addXattr(name: name, value: decoded, limits: limits, offset: offset)
    case _ where key.hasPrefix("GNU.sparse."):
      try sparse.apply(key: key, value: value, limits: limits, offset: offset)
    default:
      break  // hdrcharset, comment, charset and vendor keys change nothing we represent.
    }
  }

  private static func checkedPath(_ value: ArraySlice<UInt8>, limits: TarLimits) throws(TarError) -> [UInt8] {
    guard value.count <= limits.maxPathBytes else {
      throw .limitExceeded(path: nil, what: "a PAX path of \(value.count) bytes (limit \(limits.maxPathBytes))")
    }
    return Array(value)
  }

  private static func device(_ value: ArraySlice<UInt8>) -> UInt32? {
    TarNumeric.parseDecimal(value).flatMap { UInt32(exactly: $0) }
  }

  /// Adds or replaces (libarchive writes the same attribute under both SCHILY and LIBARCHIVE keys).
  private mutating func addXattr(name: [UInt8], value: [UInt8], limits: TarLimits, offset: Int64) throws(TarError) {
    guard !name.isEmpty, !name.contains(0) else {
      throw .invalidHeader(path: nil, offset: offset, reason: "an xattr name is empty or contains NUL")
    }
    guard let text = String(validating: name, as: UTF8.self) else {
      throw .unsupported(path: nil, reason: "an xattr name is not valid UTF-8")
    }
    if let index = xattrs.firstIndex(where: { $0.name.utf8.elementsEqual(text.utf8) }) {
      xattrs[index].value = value
      return
    }
    guard xattrs.count < limits.maxXattrs else {
      throw .limitExceeded(path: nil, what: "more than \(limits.maxXattrs) xattrs")
    }
    xattrs.append(TarXattr(name: text, value: value))
  }
}
