/// An errno returned to the kernel for a failed request (ENOENT, EIO, ...).
public struct FUSEErrno: Error, Equatable, Sendable {
  /// The positive errno value.
  public var code: Int32
  public init(_ code: Int32) { self.code = code }
}

/// A name from a request (a path component or an xattr name). The bytes are only valid
/// during the call that receives them.
public typealias FUSEName = UnsafeBufferPointer<UInt8>

/// What an `open`/`opendir` answers.
public struct FUSEOpenReply: Sendable {
  /// Returned to later calls on this open file.
  public var handle: UInt64
  /// Keep the kernel's page cache (or readdir cache) across opens: right for immutable content.
  public var keepCache: Bool
  public init(handle: UInt64 = 0, keepCache: Bool = true) {
    self.handle = handle
    self.keepCache = keepCache
  }
}

/// A read-only filesystem served through `FUSESession`.
///
/// Every method except `read` answers synchronously on a session worker thread and must be
/// fast (no I/O beyond memory); `read` receives a reply object it may complete later from
/// any thread, so a slow chunk never holds a worker. Inode 1 is the root. Requests may be
/// repeated after a daemon restart, so handlers must be idempotent (reads are).
public protocol FUSEOperations: AnyObject, Sendable {
  /// The child `name` of directory `parent`, or nil if it does not exist.
  func lookup(parent: UInt64, name: FUSEName) throws(FUSEErrno) -> FUSEAttributes?
  /// Attributes of `inode`.
  func getattr(inode: UInt64) throws(FUSEErrno) -> FUSEAttributes
  /// Target of symlink `inode`.
  func readlink(inode: UInt64) throws(FUSEErrno) -> [UInt8]
  /// Opens regular file `inode` (`flags` as given to open(2)).
  func open(inode: UInt64, flags: Int32) throws(FUSEErrno) -> FUSEOpenReply
  /// Bytes `[offset, offset + size)` of `inode`, answered through `reply` exactly once.
  func read(inode: UInt64, handle: UInt64, offset: UInt64, size: Int, reply: FUSEReadReply)
  /// The last close of an open file.
  func release(inode: UInt64, handle: UInt64)
  /// Opens directory `inode`.
  func opendir(inode: UInt64) throws(FUSEErrno) -> FUSEOpenReply
  /// Fills `buffer` with the entries of directory `inode` from position `offset` on.
  func readdir(inode: UInt64, offset: Int64, into buffer: inout FUSEDirectoryBuffer) throws(FUSEErrno)
  /// Filesystem totals for statfs(2).
  func statfs() -> FUSEStatfs
  /// Value of extended attribute `name` of `inode` (ENODATA if absent).
  func getxattr(inode: UInt64, name: FUSEName) throws(FUSEErrno) -> [UInt8]
  /// Names of `inode`'s extended attributes, each followed by a NUL byte.
  func listxattr(inode: UInt64) throws(FUSEErrno) -> [UInt8]
  /// access(2) for `inode` (only called without `default_permissions`).
  func access(inode: UInt64, mask: Int32) throws(FUSEErrno)
}

/// Totals reported by statfs(2).
public struct FUSEStatfs: Sendable {
  public var blockSize: UInt64 = 4096
  public var blocks: UInt64 = 0
  public var files: UInt64 = 0
  public var nameMax: UInt64 = 255
  public init(blocks: UInt64, files: UInt64) {
    self.blocks = blocks
    self.files = files
  }
}
