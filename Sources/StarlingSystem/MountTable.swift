#if canImport(Glibc)
  import Glibc
#endif

/// The current mount namespace's mounts, from /proc/self/mountinfo.
public enum MountTable {
  /// One line of mountinfo.
  public struct Mount: Sendable, Equatable {
    /// Mount point with octal escapes (`\040`) decoded.
    public var mountpoint: String
    /// Filesystem type (`fuse.starling`, `overlay`).
    public var type: String
    /// `major:minor` of the filesystem.
    public var device: String
  }

  /// All mounts, in mount order.
  public static func current() -> [Mount] {
    guard let file = fopen("/proc/self/mountinfo", "r") else { return [] }
    defer { fclose(file) }
    var mounts: [Mount] = []
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0, let line {
      if let mount = parse(String(cString: line)) { mounts.append(mount) }
    }
    return mounts
  }

  /// Whether something is mounted exactly at `path`.
  public static func isMounted(_ path: String) -> Bool {
    current().contains { $0.mountpoint == path }
  }

  /// Parses one mountinfo line: fields 3 (device) and 5 (mount point), and the type after " - ".
  static func parse(_ line: String) -> Mount? {
    let halves = line.split(separator: " - ", maxSplits: 1)
    guard halves.count == 2 else { return nil }
    let fields = halves[0].split(separator: " ")
    let tail = halves[1].split(separator: " ")
    guard fields.count >= 5, let type = tail.first else { return nil }
    return Mount(mountpoint: unescape(String(fields[4])), type: String(type), device: String(fields[2]))
  }

  /// Decodes mountinfo's `\ooo` escapes (space, tab, newline, backslash).
  static func unescape(_ field: String) -> String {
    var bytes: [UInt8] = []
    let utf8 = Array(field.utf8)
    var i = 0
    while i < utf8.count {
      if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
        let value = UInt8(String(decoding: utf8[i + 1...i + 3], as: UTF8.self), radix: 8)
      {
        bytes.append(value)
        i += 4
      } else {
        bytes.append(utf8[i])
        i += 1
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
