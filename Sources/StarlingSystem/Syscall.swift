#if canImport(Glibc)
  import Glibc
#endif

/// A failed system call: its name, what it was applied to, and errno.
public struct SystemError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The call (`mount`, `umount2`, `open`).
  public var call: String
  /// What it was called on (a path), for the message.
  public var subject: String
  public var errno: Int32

  public init(call: String, subject: String, errno: Int32) {
    self.call = call
    self.subject = subject
    self.errno = errno
  }

  public var description: String {
    "\(call) \(subject): \(String(cString: strerror(errno)))"
  }
}

/// Runs system calls: retries EINTR and turns -1 into a `SystemError` naming the call.
public enum Syscall {
  /// Calls `body` until it does not fail with EINTR; throws on -1.
  @discardableResult
  public static func run<T: BinaryInteger>(_ call: String, _ subject: String, _ body: () -> T) throws(SystemError) -> T
  {
    while true {
      let result = body()
      if result != -1 { return result }
      let code = Glibc.errno
      if code == EINTR { continue }
      throw SystemError(call: call, subject: subject, errno: code)
    }
  }

  /// Unmounts `path` (`MNT_DETACH` when `lazy`).
  public static func unmount(_ path: String, lazy: Bool = false) throws(SystemError) {
    try run("umount2", path) { umount2(path, lazy ? Int32(MNT_DETACH) : 0) }
  }

  /// Mounts a filesystem of `type` from `source` at `target` with comma-separated `data`.
  public static func mount(
    source: String, target: String, type: String, flags: UInt = 0, data: String
  ) throws(SystemError) {
    try run("mount", "\(type) at \(target)") { Glibc.mount(source, target, type, flags, data) }
  }

  /// The device number of the filesystem holding `path`, or nil if it cannot be stat'ed.
  public static func device(of path: String) -> UInt64? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return UInt64(st.st_dev)
  }
}
