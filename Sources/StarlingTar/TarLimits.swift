/// Bounds on what TarReader buffers or accepts, so hostile input cannot exhaust memory.
public struct TarLimits: Sendable {
  /// Longest path or link target, in bytes.
  public var maxPathBytes = 64 * 1024
  /// Largest PAX extended header (and GNU sparse 1.0 map), in bytes.
  public var maxPaxHeaderBytes = 1 << 20
  /// Largest member, stored or expanded, in bytes (16 TiB).
  public var maxEntrySize: Int64 = 1 << 44
  /// Most extended attributes on one member.
  public var maxXattrs = 1024
  /// Most data segments in one sparse file's map.
  public var maxSparseSegments = 1 << 18
  /// Whether PAX global headers ('g') set uid, gid, uname, gname, mtime, atime and ctime of the members that
  /// follow, as POSIX says. Go's archive/tar (so containerd) ignores them; set false to match that.
  public var appliesGlobalHeaders = true

  /// The default limits.
  public init() {}
}
