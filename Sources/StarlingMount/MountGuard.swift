public import Foundation
import StarlingSystem

#if canImport(Glibc)
  import Glibc
#endif

/// A small separate process that cleans up after the mounting process if it dies without
/// doing so (kill -9, crash): it reads lines on stdin and, when stdin reaches EOF without a
/// `done` line, detaches every mount it was told about (last first) and removes the
/// directories it was told to. A dead FUSE daemon leaves a mount that fails every access
/// with ENOTCONN until unmounted; the guard makes sure nobody has to do that by hand.
///
/// Protocol, one per line: `mount PATH`, `unmounted PATH`, `remove PATH`, `done`.
public enum MountGuard {
  /// Runs the guard side on stdin; returns when the watched process is gone.
  public static func serve() {
    // The guard must outlive the signals that stop its parent (Ctrl-C reaches the whole group).
    for sig in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { signal(sig, SIG_IGN) }
    var mounts: [String] = []
    var removals: [String] = []
    while let line = readLine(strippingNewline: true) {
      if line == "done" { return }
      guard let space = line.firstIndex(of: " ") else { continue }
      let path = String(line[line.index(after: space)...])
      switch line[..<space] {
      case "mount": mounts.append(path)
      case "unmounted": mounts.removeAll { $0 == path }
      case "remove": removals.append(path)
      default: continue
      }
    }
    for path in mounts.reversed() where MountTable.isMounted(path) {
      do {
        try Syscall.unmount(path, lazy: true)
        FileHandle.standardError.write(Data("starling mount-guard: detached \(path)\n".utf8))
      } catch {
        FileHandle.standardError.write(Data("starling mount-guard: \(error)\n".utf8))
      }
    }
    for path in removals { try? FileManager.default.removeItem(atPath: path) }
  }
}

/// The mounting process's end of a guard.
public final class MountGuardClient: @unchecked Sendable {
  private let process: Process
  private let input: FileHandle
  private let lock = NSLock()

  /// Starts `executable arguments` (which must run `MountGuard.serve`). Start it before
  /// opening any FUSE descriptor, so the guard cannot inherit one and keep a dead
  /// connection alive. `output` (default: inherited) takes its stdout and stderr.
  public init(executable: URL, arguments: [String], output: FileHandle? = nil) throws {
    process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let output {
      process.standardOutput = output
      process.standardError = output
    }
    let pipe = Pipe()
    process.standardInput = pipe
    try process.run()
    input = pipe.fileHandleForWriting
  }

  /// Detach `path` if this process dies.
  public func watch(mount path: String) { send("mount \(path)") }
  /// `path` was unmounted cleanly.
  public func unmounted(_ path: String) { send("unmounted \(path)") }
  /// Remove `path` (recursively) if this process dies.
  public func remove(_ path: String) { send("remove \(path)") }

  /// Everything was cleaned up: the guard exits without doing anything.
  public func dismiss() {
    send("done")
    lock.withLock { try? input.close() }
  }

  private func send(_ line: String) {
    lock.withLock { try? input.write(contentsOf: Data((line + "\n").utf8)) }
  }
}
