import ArgumentParser
import Foundation
import StarlingMount
import StarlingSystem

/// `starling umount DIR`: undoes `starling mount`.
struct UmountCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "umount",
    abstract: "Unmount an image mounted with `starling mount` and stop the process serving it.",
    discussion: """
      Fails if the mount is in use, unless --force: then it is detached at once, and processes \
      still using it get errors (ENOTCONN) once the serving process stops, 5 s later.
      """
  )

  @Argument(help: "The mount point given to `starling mount`.")
  var directory: String

  @Option(help: "State directory given to `starling mount`.")
  var root = "/var/lib/starling"

  @Flag(help: "Detach the mount even if it is in use.")
  var force = false

  func run() async throws {
    try await reportingErrors {
      let mountpoint = try MountCommand.resolve(directory)
      let dir = MountDirectory(root: URL(fileURLWithPath: root).standardizedFileURL, mountpoint: mountpoint)
      guard let state = try MountState.load(dir) else { throw MountError.notMounted(path: mountpoint) }
      try OverlayMount.unmount(mountpoint, force: force)
      _ = FileManager.default.createFile(atPath: dir.umountRequest.path, contents: nil)
      if kill(state.pid, SIGTERM) == 0, try await !exited(state.pid, within: .seconds(15)) {
        for layer in state.layers.reversed() where MountTable.isMounted(layer) {
          try? Syscall.unmount(layer, lazy: true)
        }
        throw MountError.stuck(path: mountpoint, pid: state.pid)
      }
      // The server is gone (it cleaned up, or it had died and its guard did): sweep leftovers.
      for layer in state.layers.reversed() where MountTable.isMounted(layer) {
        try? Syscall.unmount(layer, lazy: true)
      }
      let figures = MountStatistics.load(dir)
      try? FileManager.default.removeItem(at: dir.url)
      print("unmounted \(mountpoint)" + (figures.map { ": \($0.summary)" } ?? ""))
    }
  }

  /// Polls until `pid` no longer exists.
  private func exited(_ pid: Int32, within limit: Duration) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
      if kill(pid, 0) != 0 && errno == ESRCH { return true }
      // Exited but not yet reaped (its parent, the launcher, is gone; init reaps late).
      if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")"), stat[close...].dropFirst(2).first == "Z"
      {
        return true
      }
      try await Task.sleep(for: .milliseconds(20))
    }
    return false
  }
}

/// `starling mount-guard`: the cleanup process started by `starling mount` (internal).
struct MountGuardCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mount-guard", abstract: "Internal: detaches a dead mount process's mounts.",
    shouldDisplay: false)

  func run() { MountGuard.serve() }
}
