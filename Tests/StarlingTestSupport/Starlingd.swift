public import Foundation

/// A `starlingd` process for tests: its own root, serving on the private containerd's
/// snapshotter socket (`Tools/containerd.sh env` names it).
public final class Starlingd: @unchecked Sendable {
  public let root: URL
  public let socket: String
  public let log: URL
  private let process: Process

  /// The socket the private containerd expects its `starling` snapshotter on.
  public static func socketPath() throws -> String {
    let result = try CommandRunner.run(
      URL(fileURLWithPath: "/bin/bash"), [Containerd.script.path, "env"])
    for line in result.stdout.split(separator: "\n") where line.hasPrefix("export STARLING_SNAPSHOTTER_SOCKET=") {
      return String(line.dropFirst("export STARLING_SNAPSHOTTER_SOCKET=".count))
    }
    throw MissingEnvironment(name: "STARLING_SNAPSHOTTER_SOCKET from Tools/containerd.sh env")
  }

  /// The `starlingd` binary next to `starling` (STARLING_BIN).
  public static var binary: URL {
    let starling = ProcessInfo.processInfo.environment["STARLING_BIN"] ?? ".build/debug/starling"
    return URL(fileURLWithPath: starling).deletingLastPathComponent().appending(path: "starlingd")
  }

  /// Starts `starlingd --root root` and waits until its socket accepts connections.
  public init(root: URL, extraArguments: [String] = []) throws {
    self.root = root
    socket = try Self.socketPath()
    log = root.appending(path: "starlingd.log")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    process = Process()
    process.executableURL = Self.binary
    // Metrics on a free port (read back from the log), unless the test chose an address.
    let metrics = extraArguments.contains("--metrics-address") ? [] : ["--metrics-address", "127.0.0.1:0"]
    process.arguments = ["--root", root.path, "--address", socket, "--log-level", "debug"] + metrics + extraArguments
    let output = try FileHandle(forWritingTo: log)
    process.standardOutput = output
    process.standardError = output
    try process.run()
    // Ready when containerd reaches us: `ls` is answered from containerd's own metadata, so
    // probe with a prepare (which only the snapshotter can answer) and remove it again.
    // containerd may still be backing off from an earlier daemon's socket: keep trying.
    let deadline = Date().addingTimeInterval(30)
    let probe = "starlingd-ready-probe-\(getpid())"
    while Date() < deadline {
      if FileManager.default.fileExists(atPath: socket),
        try Containerd.ctr(["snapshots", "--snapshotter", "starling", "prepare", probe]).status == 0
      {
        _ = try Containerd.ctr(["snapshots", "--snapshotter", "starling", "rm", probe])
        return
      }
      guard process.isRunning else { break }
      Thread.sleep(forTimeInterval: 0.2)
    }
    // Never leak a daemon: a stray one would keep containerd's connection to itself.
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    throw ToolFailure(command: "starlingd", output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
  }

  public var pid: Int32 { process.processIdentifier }

  /// SIGTERM and wait (then SIGKILL after 10 s).
  public func stop() {
    guard process.isRunning else { return }
    process.terminate()
    let deadline = Date().addingTimeInterval(10)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  /// SIGKILL, as a crash would.
  public func kill9() {
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// The daemon's Prometheus samples (`name{labels}` → value), scraped now.
  public func metrics() throws -> [String: Double] {
    // The log says `serving metrics address=http://127.0.0.1:PORT/metrics`.
    guard let line = logText.split(separator: "\n").last(where: { $0.contains("serving metrics") }),
      let url = line.split(separator: " ").first(where: { $0.hasPrefix("address=http://") }),
      let port = Int(url.split(separator: ":").last?.split(separator: "/").first ?? "")
    else { throw MissingEnvironment(name: "starlingd's metrics address in its log") }
    let response = try PlainHTTP.get(port: port, path: "/metrics")
    guard response.hasPrefix("HTTP/1.1 200") else { throw ToolFailure(command: "GET /metrics", output: response) }
    return PlainHTTP.prometheusSamples(response)
  }

  /// What it logged so far.
  public var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}
