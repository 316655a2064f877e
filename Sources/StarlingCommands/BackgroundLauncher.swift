import ArgumentParser
import Foundation

/// Runs a command in a background copy of this process and returns once it is ready: the
/// child prints its one result line on stdout, then points stdout and stderr at its log,
/// which closes both pipes here. A child that fails before that has its stderr relayed and
/// its exit status returned.
enum BackgroundLauncher {
  /// Returns the exit status: 0 once the child is ready, else the failed child's status.
  static func launch(arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = MountCommand.executable
    process.arguments = Array(arguments.dropFirst())
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Both pipes are drained at once so a chatty child cannot block on a full one.
    let errorData = LockedData()
    let drained = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
      drained.signal()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    FileHandle.standardError.write(errorData.get())
    FileHandle.standardOutput.write(outputData)
    guard outputData.isEmpty else { return 0 }
    process.waitUntilExit()
    return process.terminationStatus == 0 ? 1 : process.terminationStatus
  }

  /// In the child, once ready: stdout and stderr go to `log` from now on.
  static func detachOutput(log: URL) throws {
    fflush(nil)
    let fd = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: log.path]) }
    dup2(fd, STDOUT_FILENO)
    dup2(fd, STDERR_FILENO)
    close(fd)
  }
}

/// Data handed between threads.
final class LockedData: @unchecked Sendable {
  private var data = Data()
  private let lock = NSLock()
  func set(_ value: Data) { lock.withLock { data = value } }
  func get() -> Data { lock.withLock { data } }
}
