import Foundation
import StarlingFormat
import StarlingTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Every mount test is a child of this suite: they run one after another, so timings
/// (fetch deadlines, retries) are not distorted by a neighbour reading a whole image.
@Suite(.serialized) enum MountTests {}

/// A fixture converted by `starling convert` into a fresh repository, with (optionally) the
/// original image unpacked by the reference unpacker for the platform being mounted.
struct MountFixture {
  let env: IntegrationEnvironment
  let fixture: Fixtures.Fixture
  /// The converted image (`host:port/repo:1`) in the test registry.
  let reference: String
  let repository: String
  let scratch: TemporaryDirectory
  /// The original image unpacked (nil unless asked for).
  let original: URL?

  /// Converts fixture `name`; unpacks the original image of fixture `originalOf` (default:
  /// the same; `small-docker` has no layout of its own, its blobs are `small`'s).
  init(_ name: String, platform: String? = nil, unpackOriginal: Bool = true, originalOf: String? = nil) async throws {
    let env = try IntegrationEnvironment.current()
    let fixtures = try Fixtures.load(env)
    self.env = env
    fixture = try fixtures(name)
    repository = IntegrationEnvironment.uniqueRepository("mount-\(name)")
    reference = "\(env.registry)/\(repository):1"
    let convert = try await Run.starling(
      ["convert", "-q", "\(env.registry)/\(fixture.repository):\(fixture.tag)", reference], seconds: 600)
    guard convert.status == 0 else { throw ToolFailure(command: "starling convert", output: convert.stderr) }
    scratch = try TemporaryDirectory()
    guard unpackOriginal else {
      original = nil
      return
    }
    let source = try originalOf.map { try fixtures($0) } ?? fixture
    guard let layout = source.layout else { throw MissingEnvironment(name: "layout of fixture '\(source.name)'") }
    let destination = scratch.url.appending(path: "original")
    var args = [Run.treeScript.path, "unpack", layout, "--tag", source.tag]
    if let platform { args += ["--platform", platform] }
    let unpack = try await Run.limited(600, "/usr/bin/python3", args + [destination.path])
    guard unpack.status == 0 else { throw ToolFailure(command: "tree.py unpack", output: unpack.stderr) }
    original = destination
  }

  /// The original image's tree (fails the test if it was not unpacked).
  func requireOriginal() throws -> URL { try #require(original) }

  /// The converted image under another registry address (a proxy in front of the test registry).
  func reference(via address: String) -> String { "\(address)/\(repository):1" }
}

/// Child processes for mount tests: every one runs under `timeout`, so a hung FUSE mount
/// fails a test instead of hanging the run, and on its own thread, so waiting for it
/// never holds a Swift concurrency thread that a fault proxy in this process needs.
enum Run {
  static var treeScript: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appending(path: "Tools/tree.py")
  }

  /// Runs `program args…` killed after `seconds` (status 124 then).
  static func limited(_ seconds: Int, _ program: String, _ args: [String]) async throws -> CommandRunner.Result {
    try await offPool {
      try CommandRunner.run(
        URL(fileURLWithPath: "/usr/bin/timeout"), ["-k", "5", "\(seconds)", program] + args)
    }
  }

  /// `starling ARGS…`, time-limited.
  static func starling(_ args: [String], seconds: Int = 120) async throws -> CommandRunner.Result {
    try await limited(seconds, CommandRunner.starlingBinary.path, args)
  }

  /// `tree.py snapshot DIR -o OUT`, time-limited.
  static func snapshot(_ directory: URL, to output: URL) async throws {
    let result = try await limited(
      900, "/usr/bin/python3", [treeScript.path, "snapshot", directory.path, "-o", output.path])
    guard result.status == 0 else { throw ToolFailure(command: "tree.py snapshot", output: result.stderr) }
  }

  /// Runs blocking `work` on a thread of its own.
  static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
  }
}

/// `cat FILE` with its output kept as bytes, started now and awaited later.
final class CatRun: @unchecked Sendable {
  struct Outcome: Sendable {
    var status: Int32
    var stderr: String
    var bytes: Data
    var elapsed: Duration
  }

  private let process: Process
  private let output: URL
  private let errors: Pipe
  private let start = ContinuousClock.now
  private let scratch: TemporaryDirectory

  /// Starts `timeout SECONDS cat PATH`.
  init(_ path: String, seconds: Int = 60) throws {
    scratch = try TemporaryDirectory()
    output = scratch.url.appending(path: "out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["-k", "5", "\(seconds)", "/bin/cat", path]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: output)
    errors = Pipe()
    process.standardError = errors
    try process.run()
  }

  /// Waits for it to exit.
  func finish() async throws -> Outcome {
    let (process, errors, output, start) = (self.process, self.errors, self.output, self.start)
    return try await Run.offPool {
      let message = errors.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return Outcome(
        status: process.terminationStatus, stderr: String(decoding: message, as: UTF8.self),
        bytes: try Data(contentsOf: output), elapsed: start.duration(to: .now))
    }
  }

  /// Runs `cat PATH` to completion.
  static func read(_ path: String, seconds: Int = 60) async throws -> Outcome {
    try await CatRun(path, seconds: seconds).finish()
  }
}

/// One `starling mount` of a test, with its own `--root` and mount point. `cleanUp()`
/// (called from a `defer`, and from `deinit` as a last resort) undoes whatever is left
/// mounted, even after a failed expectation, so no test leaves a mount behind.
final class TestMount: @unchecked Sendable {
  let scratch: TemporaryDirectory
  let root: URL
  /// The mount point, resolved (as the kernel records it).
  let directory: String
  private var cleaned = false

  init() throws {
    scratch = try TemporaryDirectory()
    root = scratch.url.appending(path: "root")
    let mountpoint = scratch.url.appending(path: "mnt")
    try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
    guard let resolved = realpath(mountpoint.path, nil) else { throw POSIXError(.ENOENT) }
    directory = String(cString: resolved)
    free(resolved)
  }

  deinit { cleanUp() }

  /// `<root>/mounts/<first 16 hex of sha256(mount point)>`.
  var stateDirectory: URL {
    let id = Digest.sha256(of: Data(directory.utf8)).encoded.prefix(16)
    return root.appending(path: "mounts").appending(path: String(id))
  }

  /// A path inside the mount.
  func path(_ relative: String) -> String { directory + "/" + relative }

  /// `starling mount --root ROOT OPTIONS… IMAGE DIR`.
  func mount(_ image: String, _ options: [String] = []) async throws -> CommandRunner.Result {
    try await Run.starling(["mount", "--root", root.path] + options + [image, directory])
  }

  /// Mounts and requires success.
  func mountOrFail(_ image: String, _ options: [String] = []) async throws {
    let result = try await mount(image, options)
    try #require(result.status == 0, "starling mount failed: \(result.stderr)")
    try #require(result.stdout.contains("mounted \(image) at \(directory)"), "\(result.stdout)")
  }

  /// `starling umount --root ROOT [--force] DIR`.
  func umount(force: Bool = false) async throws -> CommandRunner.Result {
    try await Run.starling(["umount", "--root", root.path] + (force ? ["--force"] : []) + [directory], seconds: 60)
  }

  /// `mount.json`.
  var state: MountStateFile? {
    FileManager.default.contents(atPath: stateDirectory.appending(path: "mount.json").path).flatMap {
      try? JSONDecoder().decode(MountStateFile.self, from: $0)
    }
  }

  /// `stats.json`.
  var statistics: MountFigures? {
    FileManager.default.contents(atPath: stateDirectory.appending(path: "stats.json").path).flatMap {
      try? JSONDecoder().decode(MountFigures.self, from: $0)
    }
  }

  /// Polls `stats.json` until `condition` holds (up to `limit`); the last figures read.
  func statistics(
    within limit: Duration = .seconds(5), until condition: (MountFigures) -> Bool
  ) async throws -> MountFigures? {
    let deadline = ContinuousClock.now + limit
    var last = statistics
    while ContinuousClock.now < deadline {
      if let last, condition(last) { return last }
      try await Task.sleep(for: .milliseconds(100))
      last = statistics
    }
    return last
  }

  /// Mount points in this process's mount table that belong to this mount (the mount point
  /// itself or anything under the root).
  var mounted: [String] {
    MountInfo.mountpoints().filter { $0 == directory || $0.hasPrefix(root.path + "/") }
  }

  /// Polls until nothing of this mount is in the mount table (up to `limit`).
  func waitUntilUnmounted(within limit: Duration = .seconds(10)) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
      if mounted.isEmpty { return true }
      try await Task.sleep(for: .milliseconds(100))
    }
    return mounted.isEmpty
  }

  /// Unmounts whatever is left: `starling umount --force`, then lazy unmounts and SIGKILL of
  /// the server for anything that survived.
  func cleanUp() {
    guard !cleaned else { return }
    cleaned = true
    let pid = state?.pid
    if !mounted.isEmpty {
      _ = try? CommandRunner.run(
        URL(fileURLWithPath: "/usr/bin/timeout"),
        ["-k", "5", "30", CommandRunner.starlingBinary.path, "umount", "--root", root.path, "--force", directory])
    }
    for path in mounted.reversed() {
      _ = try? CommandRunner.run(URL(fileURLWithPath: "/usr/bin/timeout"), ["10", "/bin/umount", "-l", path])
    }
    if let pid, kill(pid, 0) == 0 { kill(pid, SIGKILL) }
  }
}

/// `mount.json` as written by `starling mount`.
struct MountStateFile: Decodable {
  var image: String
  var mountpoint: String
  var pid: Int32
  var layers: [String]
  var writable: Bool
}

/// `stats.json` as written by `starling mount` (snake_case keys).
struct MountFigures: Decodable, Equatable {
  var imageBytes: Int64
  var indexBytes: Int64
  var mountMilliseconds: Int64
  var bytesFetched: Int64
  var requests: Int
  var cacheHits: Int
  var memoryHits: Int
  var cacheMisses: Int
  var bytesServed: Int64
  var retries: Int
  var corruptFrames: Int
  var readAheadFrames: Int

  enum CodingKeys: String, CodingKey {
    case imageBytes = "image_bytes"
    case indexBytes = "index_bytes"
    case mountMilliseconds = "mount_milliseconds"
    case bytesFetched = "bytes_fetched"
    case requests
    case cacheHits = "cache_hits"
    case memoryHits = "memory_hits"
    case cacheMisses = "cache_misses"
    case bytesServed = "bytes_served"
    case retries
    case corruptFrames = "corrupt_frames"
    case readAheadFrames = "read_ahead_frames"
  }
}

/// This process's mount table (`/proc/self/mountinfo`).
enum MountInfo {
  /// Every mount point, in mount order, with the kernel's octal escapes decoded.
  static func mountpoints() -> [String] {
    // Read to EOF with read(2): proc files report size 0, and a one-shot read stops at a page.
    let fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { break }
      data += buffer[..<n]
    }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ")
      return fields.count > 4 ? unescape(fields[4]) : nil
    }
  }

  /// `\040` → space, and so on.
  static func unescape(_ field: Substring) -> String {
    var bytes: [UInt8] = []
    var utf8 = Array(field.utf8)[...]
    while let byte = utf8.popFirst() {
      if byte == UInt8(ascii: "\\"), utf8.count >= 3,
        let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
      {
        bytes.append(value)
        utf8 = utf8.dropFirst(3)
      } else {
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// Bytes of a file of the original tree.
func originalBytes(_ original: URL, _ relative: String) throws -> Data {
  try Data(contentsOf: original.appending(path: relative))
}
