public import Foundation

/// Runs the built `starling` executable (or any program) and captures its output.
public enum CommandRunner {
  /// The result of one run.
  public struct Result: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
  }

  /// The `starling` binary: `$STARLING_BIN`, else `.build/debug/starling` of this package.
  public static var starlingBinary: URL {
    if let path = ProcessInfo.processInfo.environment["STARLING_BIN"] { return URL(fileURLWithPath: path) }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return root.appending(path: ".build/debug/starling")
  }

  /// Runs `starling ARGS…`.
  public static func starling(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
    try run(starlingBinary, arguments, environment: environment)
  }

  /// Runs a program to completion.
  public static func run(_ program: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes concurrently so a full pipe never blocks the child.
    let errData = Mutexed<Data>(Data())
    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errData.isSet { usleep(1000) }
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData.value, as: UTF8.self))
  }
}

/// A value written once by another thread.
final class Mutexed<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: T
  private var written = false

  init(_ value: T) {
    stored = value
  }

  func set(_ value: T) {
    lock.withLock {
      stored = value
      written = true
    }
  }

  var isSet: Bool { lock.withLock { written } }
  var value: T { lock.withLock { stored } }
}
