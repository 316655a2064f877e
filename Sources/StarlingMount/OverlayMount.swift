public import StarlingSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Stacks layer directories at a mount point the way containerd's overlayfs snapshotter
/// does: overlay with the layers as lower dirs (top first), plus upper/work dirs when
/// writable; a single read-only layer is a read-only bind mount (overlayfs needs two
/// lower dirs without an upper).
public enum OverlayMount {
  /// The mount data, or nil when it exceeds the one page the kernel accepts.
  static func data(layers: [String], upper: String?, work: String?) -> String {
    var options = ["lowerdir=" + layers.reversed().joined(separator: ":")]
    if let upper, let work {
      options += ["upperdir=" + upper, "workdir=" + work]
    }
    return options.joined(separator: ",")
  }

  /// Mounts `layers` (bottom first) at `target`; `writable` gives an upper and work dir.
  public static func mount(layers: [String], at target: String, writable: (upper: String, work: String)?)
    throws(SystemError)
  {
    if layers.count == 1, writable == nil {
      try Syscall.mount(source: layers[0], target: target, type: "none", flags: UInt(MS_BIND), data: "")
      try Syscall.mount(
        source: "none", target: target, type: "none", flags: UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), data: "")
      return
    }
    let data = data(layers: layers, upper: writable?.upper, work: writable?.work)
    // Longer data than a page is cut by the kernel: name the problem instead of a confusing EINVAL.
    guard data.utf8.count < Int(getpagesize()) else {
      throw SystemError(call: "mount", subject: "overlay at \(target) (\(layers.count) layers)", errno: E2BIG)
    }
    try Syscall.mount(
      source: "overlay", target: target, type: "overlay", flags: writable == nil ? UInt(MS_RDONLY) : 0, data: data)
  }

  /// Unmounts `target` if mounted: detached if `force`, else failing with `busy` while in use.
  public static func unmount(_ target: String, force: Bool) throws {
    guard MountTable.isMounted(target) else { return }
    do { try Syscall.unmount(target, lazy: force) } catch {
      throw error.errno == EBUSY ? MountError.busy(path: target) : error
    }
  }
}
