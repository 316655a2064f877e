import ArgumentParser
import Foundation

/// The unix socket containerd connects to.
enum DaemonSocket {
  /// Whether something accepts connections on unix socket `path`.
  static func answers(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, byte) in bytes.enumerated() { raw[i] = byte }
    }
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
      }
    }
  }

  /// The socket's directory exists and is private; a stale socket from a previous run goes.
  static func prepare(_ path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    if FileManager.default.fileExists(atPath: path) {
      // A socket someone still answers on belongs to a running daemon: taking its path would
      // leave containerd talking to whichever one it connected to first.
      if answers(path) {
        FileHandle.standardError.write(
          Data("error: another process is already serving on \(path); stop it first or choose --address\n".utf8))
        throw ExitCode.failure
      }
      try FileManager.default.removeItem(atPath: path)
    }
    // Only root (containerd) may connect: the socket is created 0600.
    umask(0o077)
  }
}
