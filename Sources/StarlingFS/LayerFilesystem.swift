public import StarlingFUSE
public import StarlingFetch
public import StarlingFormat

#if canImport(Glibc)
  import Glibc
#endif

/// One converted layer as a read-only FUSE filesystem, answered from its index and read
/// through its fetcher.
///
/// Inode numbers are the index's (entry + 1, hard links share their canonical entry's), so
/// they need no table and mean the same after a restart. Whiteouts are the 0/0 character
/// devices and opaque directories carry `trusted.overlay.opaque=y`, as overlayfs expects
/// of a lower layer.
public final class LayerFilesystem: FUSEOperations {
  /// Tunables.
  public struct Options: Sendable {
    /// Start background read-ahead of a regular file when it is opened.
    public var readAheadOnOpen: Bool
    public init(readAheadOnOpen: Bool = true) { self.readAheadOnOpen = readAheadOnOpen }
  }

  public let index: ChunkIndex
  public let fetcher: ChunkFetcher
  /// Records first accesses, if tracing.
  public let trace: AccessTrace?
  let options: Options
  /// Called with each read that failed (the reader got EIO), for the log.
  let onReadError: @Sendable (String, any Error) -> Void

  static let opaqueName = Array("trusted.overlay.opaque".utf8)
  /// Files above this size get sequential read-ahead windows (the fetcher's request cap).
  static let followThreshold: UInt64 = 8 << 20

  public init(
    fetcher: ChunkFetcher, trace: AccessTrace? = nil, options: Options = Options(),
    onReadError: @escaping @Sendable (String, any Error) -> Void = { _, _ in }
  ) {
    self.index = fetcher.index
    self.fetcher = fetcher
    self.trace = trace
    self.options = options
    self.onReadError = onReadError
  }

  /// The index entry of a kernel inode number.
  func entry(_ inode: UInt64) throws(FUSEErrno) -> EntryRecord {
    guard inode >= 1, inode <= UInt64(index.entryCount) else { throw FUSEErrno(ENOENT) }
    do { return try index.entry(UInt32(inode - 1)) } catch { throw FUSEErrno(EIO) }
  }

  /// Attributes of entry `record`, taken from its canonical entry for hard links.
  func attributes(_ record: EntryRecord) throws(FUSEErrno) -> FUSEAttributes {
    let object: EntryRecord
    do { object = record.flags.contains(.hardLinkAlias) ? try index.entry(record.canonical) : record } catch {
      throw FUSEErrno(EIO)
    }
    let isDevice = object.fileType == 0o020000 || object.fileType == 0o060000
    let device = isDevice ? object.device : (major: UInt32(0), minor: UInt32(0))
    let time = Self.bounded(seconds: object.mtimeSeconds, nanoseconds: object.mtimeNanoseconds)
    return FUSEAttributes(
      inode: UInt64(object.index) + 1, mode: object.mode, nlink: max(object.nlink, 1), uid: object.uid,
      gid: object.gid, size: object.size, mtimeSeconds: time.seconds, mtimeNanoseconds: time.nanoseconds,
      deviceMajor: device.major, deviceMinor: device.minor)
  }

  /// containerd's applier stores times before 1970 or past int64 nanoseconds (2262) as the
  /// epoch; a lazily served layer shows the same, so a container sees what it would see
  /// on an unpacked one. (The index keeps the tar's exact time.)
  static func bounded(seconds: Int64, nanoseconds: UInt32) -> (seconds: Int64, nanoseconds: UInt32) {
    let maxSeconds = Int64.max / 1_000_000_000
    let tooLate = seconds > maxSeconds || (seconds == maxSeconds && Int64(nanoseconds) > Int64.max % 1_000_000_000)
    return seconds < 0 || tooLate ? (0, 0) : (seconds, nanoseconds)
  }

  public func lookup(parent: UInt64, name: FUSEName) throws(FUSEErrno) -> FUSEAttributes? {
    let directory = try entry(parent)
    guard directory.isDirectory else { throw FUSEErrno(ENOTDIR) }
    let child: UInt32?
    do { child = try index.lookup(parent: directory.index, name: name) } catch { throw FUSEErrno(EIO) }
    guard let child else { return nil }
    do { return try attributes(try index.entry(child)) } catch { throw FUSEErrno(EIO) }
  }

  public func getattr(inode: UInt64) throws(FUSEErrno) -> FUSEAttributes {
    try attributes(try entry(inode))
  }

  public func readlink(inode: UInt64) throws(FUSEErrno) -> [UInt8] {
    let record = try entry(inode)
    guard record.isSymlink else { throw FUSEErrno(EINVAL) }
    do { return Array(try index.symlinkTarget(of: record)) } catch { throw FUSEErrno(EIO) }
  }

  public func open(inode: UInt64, flags: Int32) throws(FUSEErrno) -> FUSEOpenReply {
    let record = try entry(inode)
    guard flags & O_ACCMODE == O_RDONLY else { throw FUSEErrno(EROFS) }
    guard record.isRegular else { throw FUSEErrno(record.isDirectory ? EISDIR : EACCES) }
    trace?.record(entry: record.index, event: .open)
    // A file within one chunk arrives whole with its first read: nothing to read ahead.
    if options.readAheadOnOpen, record.size > UInt64(index.chunkSize) {
      let fetcher = self.fetcher
      Task(priority: .background) { await fetcher.readAhead(entry: record.index) }
    }
    return FUSEOpenReply(handle: 0, keepCache: true)
  }

  public func read(inode: UInt64, handle: UInt64, offset: UInt64, size: Int, reply: FUSEReadReply) {
    guard inode >= 1, inode <= UInt64(index.entryCount) else { return reply.fail(ENOENT) }
    let entry = UInt32(inode - 1)
    trace?.record(entry: entry, event: .read)
    let fetcher = self.fetcher
    let onReadError = self.onReadError
    let index = self.index
    // Only files larger than one request can stream in windows (inodes are canonical entries).
    let follow = options.readAheadOnOpen && ((try? index.entry(entry))?.size ?? 0) > Self.followThreshold
    Task(priority: .userInitiated) {
      if follow { await fetcher.followRead(entry: entry, range: offset..<offset + UInt64(size)) }
      do {
        reply.succeed(try await fetcher.read(entry: entry, range: offset..<offset + UInt64(size)))
      } catch {
        reply.fail(EIO)
        onReadError((try? index.path(of: entry)) ?? "inode \(inode)", error)
      }
    }
  }

  public func release(inode: UInt64, handle: UInt64) {}

  public func opendir(inode: UInt64) throws(FUSEErrno) -> FUSEOpenReply {
    guard try entry(inode).isDirectory else { throw FUSEErrno(ENOTDIR) }
    return FUSEOpenReply(handle: 0, keepCache: true)
  }

  public func statfs() -> FUSEStatfs {
    FUSEStatfs(blocks: (index.tarSize + 4095) / 4096, files: UInt64(index.entryCount))
  }

  public func access(inode: UInt64, mask: Int32) throws(FUSEErrno) {
    _ = try entry(inode)
    if mask & W_OK != 0 { throw FUSEErrno(EROFS) }
  }
}
