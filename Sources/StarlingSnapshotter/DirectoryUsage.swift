import Foundation
import StarlingSnapshots

#if canImport(Glibc)
  import Glibc
#endif

/// Measures a directory tree like containerd's `fs.DiskUsage`: allocated bytes and inodes,
/// hard-linked files counted once, without following symlinks or crossing mounts.
enum DirectoryUsage {
  static func measure(_ path: String) throws -> SnapshotUsage {
    var root = stat()
    guard lstat(path, &root) == 0 else { return .zero }
    var seen: Set<UInt64> = []
    var size: Int64 = 0
    var inodes: Int64 = 0
    var pending = [path]
    while let current = pending.popLast() {
      var st = stat()
      guard lstat(current, &st) == 0, st.st_dev == root.st_dev, seen.insert(UInt64(st.st_ino)).inserted else {
        continue
      }
      inodes += 1
      size += Int64(st.st_blocks) * 512
      if st.st_mode & S_IFMT == S_IFDIR, let names = try? FileManager.default.contentsOfDirectory(atPath: current) {
        pending += names.map { current + "/" + $0 }
      }
    }
    return SnapshotUsage(size: size, inodes: inodes)
  }
}
