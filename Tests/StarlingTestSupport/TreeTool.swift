public import Foundation

/// Drives `Tools/tree.py`, the independent reference unpacker and tree comparator.
public enum TreeTool {
  public static var script: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appending(path: "Tools/tree.py")
  }

  static let python = URL(fileURLWithPath: "/usr/bin/python3")

  /// Unpacks an OCI layout's image into `destination` the way containerd's applier does.
  public static func unpack(layout: URL, tag: String, into destination: URL, platform: String? = nil) throws {
    var args = [script.path, "unpack", layout.path, "--tag", tag]
    if let platform { args += ["--platform", platform] }
    let result = try CommandRunner.run(python, args + [destination.path])
    guard result.status == 0 else { throw ToolFailure(command: "tree.py unpack", output: result.stderr) }
  }

  /// Writes the canonical description of a tree.
  public static func snapshot(_ directory: URL, to output: URL) throws {
    let result = try CommandRunner.run(python, [script.path, "snapshot", directory.path, "-o", output.path])
    guard result.status == 0 else { throw ToolFailure(command: "tree.py snapshot", output: result.stderr) }
  }

  /// Compares two snapshots; returns the differences (empty when identical).
  public static func diff(_ a: URL, _ b: URL) throws -> String? {
    let result = try CommandRunner.run(python, [script.path, "diff", a.path, b.path])
    switch result.status {
    case 0: return nil
    case 1: return result.stdout
    default: throw ToolFailure(command: "tree.py diff", output: result.stderr)
    }
  }
}

/// A helper tool failed.
public struct ToolFailure: Error, CustomStringConvertible {
  public let command: String
  public let output: String

  public init(command: String, output: String) {
    self.command = command
    self.output = output
  }

  public var description: String { "\(command) failed: \(output.suffix(2000))" }
}

/// Drives the project's private containerd (`Tools/containerd.sh`).
public enum Containerd {
  public static var script: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appending(path: "Tools/containerd.sh")
  }

  /// Runs `ctr ARGS` against the private containerd (starting it if needed).
  public static func ctr(_ arguments: [String]) throws -> CommandRunner.Result {
    try CommandRunner.run(URL(fileURLWithPath: "/bin/bash"), [script.path, "ctr"] + arguments)
  }

  /// Starts the private containerd (idempotent).
  public static func start() throws {
    let result = try CommandRunner.run(URL(fileURLWithPath: "/bin/bash"), [script.path, "start"])
    guard result.status == 0 else { throw ToolFailure(command: "containerd.sh start", output: result.stderr) }
  }
}
