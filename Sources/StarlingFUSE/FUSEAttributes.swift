import CFuse3

#if canImport(Glibc)
  import Glibc
#endif

/// The attributes of one inode as the kernel sees them (a `struct stat`).
public struct FUSEAttributes: Sendable, Equatable {
  public var inode: UInt64
  /// File type and permission bits.
  public var mode: UInt32
  public var nlink: UInt32
  public var uid: UInt32
  public var gid: UInt32
  public var size: UInt64
  public var mtimeSeconds: Int64
  public var mtimeNanoseconds: UInt32
  public var deviceMajor: UInt32
  public var deviceMinor: UInt32

  public init(
    inode: UInt64, mode: UInt32, nlink: UInt32, uid: UInt32, gid: UInt32, size: UInt64,
    mtimeSeconds: Int64, mtimeNanoseconds: UInt32, deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0
  ) {
    self.inode = inode
    self.mode = mode
    self.nlink = nlink
    self.uid = uid
    self.gid = gid
    self.size = size
    self.mtimeSeconds = mtimeSeconds
    self.mtimeNanoseconds = mtimeNanoseconds
    self.deviceMajor = deviceMajor
    self.deviceMinor = deviceMinor
  }

  /// The `struct stat` handed to libfuse. Layers record one time per entry: atime and
  /// ctime repeat mtime, as an unpacked layer's would after `chtimes`.
  var stat: stat {
    var st = Glibc.stat()
    st.st_ino = UInt(inode)
    st.st_mode = mode
    st.st_nlink = UInt(nlink)
    st.st_uid = uid
    st.st_gid = gid
    st.st_size = Int(truncatingIfNeeded: size)
    st.st_blksize = 4096
    st.st_blocks = Int((size + 511) / 512)
    st.st_rdev = starling_makedev(deviceMajor, deviceMinor)
    let time = timespec(tv_sec: Int(mtimeSeconds), tv_nsec: Int(mtimeNanoseconds))
    st.st_mtim = time
    st.st_atim = time
    st.st_ctim = time
    return st
  }
}
