#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Thin wrappers over the POSIX calls the disk store needs. They retry EINTR and turn
/// failures into `ChunkStoreError`s that carry the call, the path and the errno.
enum PosixFile {
  /// Runs `body` until it stops failing with EINTR (signals during a blocking call).
  static func retrying<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
      let result = body()
      if result != -1 || errno != EINTR { return result }
    }
  }

  /// Opens `path`; nil if it does not exist (ENOENT), so callers can treat that as a miss.
  static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(ChunkStoreError) -> Int32? {
    let fd = retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
    if fd >= 0 { return fd }
    if errno == ENOENT { return nil }
    throw .systemCall("open", path: path, errno: errno)
  }

  /// Reads `fd` to end of file; `sizeHint` (from fstat) avoids regrowing the buffer.
  static func readAll(_ fd: Int32, path: String, sizeHint: Int) throws(ChunkStoreError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: max(sizeHint, 0) + 1)
    var filled = 0
    while true {
      if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(filled, 4096))) }
      let n = bytes.withUnsafeMutableBytes { buffer in
        let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
        return retrying { Glibc.read(fd, rest.baseAddress, rest.count) }
      }
      if n < 0 { throw .systemCall("read", path: path, errno: errno) }
      if n == 0 { break }
      filled += n
    }
    bytes.removeSubrange(filled...)
    return bytes
  }

  /// Writes all of `bytes`, continuing after short writes.
  static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(ChunkStoreError) {
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes { buffer in
        let rest = UnsafeRawBufferPointer(rebasing: buffer[written...])
        return retrying { Glibc.write(fd, rest.baseAddress, rest.count) }
      }
      if n < 0 { throw .systemCall("write", path: path, errno: errno) }
      written += n
    }
  }

  static func fsync(_ fd: Int32, path: String) throws(ChunkStoreError) {
    if retrying({ Glibc.fsync(fd) }) != 0 { throw .systemCall("fsync", path: path, errno: errno) }
  }

  /// Flushes a directory so a rename or unlink inside it survives a crash.
  static func fsyncDirectory(_ path: String) throws(ChunkStoreError) {
    guard let fd = try open(path, O_RDONLY | O_DIRECTORY) else {
      throw .systemCall("open", path: path, errno: ENOENT)
    }
    defer { _ = Glibc.close(fd) }
    try fsync(fd, path: path)
  }

  static func rename(_ from: String, _ to: String) throws(ChunkStoreError) {
    if Glibc.rename(from, to) != 0 { throw .systemCall("rename", path: "\(from) -> \(to)", errno: errno) }
  }

  /// Removes a file; returns false if it was already gone.
  @discardableResult
  static func unlink(_ path: String) throws(ChunkStoreError) -> Bool {
    if Glibc.unlink(path) == 0 { return true }
    if errno == ENOENT { return false }
    throw .systemCall("unlink", path: path, errno: errno)
  }

  /// `mkdir -p`: creates `path` and any missing parents.
  static func makeDirectories(_ path: String) throws(ChunkStoreError) {
    if Glibc.mkdir(path, 0o755) == 0 || errno == EEXIST { return }
    guard errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
      throw .systemCall("mkdir", path: path, errno: errno)
    }
    try makeDirectories(String(path[..<slash]))
    if Glibc.mkdir(path, 0o755) != 0 && errno != EEXIST { throw .systemCall("mkdir", path: path, errno: errno) }
  }

  /// Names in a directory, without `.` and `..`.
  static func list(_ path: String) throws(ChunkStoreError) -> [String] {
    guard let dir = opendir(path) else { throw .systemCall("opendir", path: path, errno: errno) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// `lstat` of `path`, or nil if it does not exist.
  static func status(_ path: String) throws(ChunkStoreError) -> stat? {
    var info = stat()
    if lstat(path, &info) == 0 { return info }
    if errno == ENOENT { return nil }
    throw .systemCall("lstat", path: path, errno: errno)
  }
}
