import Foundation
import StarlingTar
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A failure of the test harness itself (a tool that did not run as expected).
struct HarnessError: Error, CustomStringConvertible {
  var description: String
}

/// Runs external tools (GNU tar, python3, gzip) for the tests.
enum Tool {
  /// Runs `arguments[0]` with the rest as arguments; throws when it exits non-zero (unless `check` is false).
  @discardableResult
  static func run(_ arguments: [String], in directory: URL? = nil, check: Bool = true) throws -> (Int32, Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("tar-test-\(UUID().uuidString).out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let errorText = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try handle.close()
    let data = try Data(contentsOf: output)
    if check && process.terminationStatus != 0 {
      throw HarnessError(
        description: "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
          + String(decoding: errorText, as: UTF8.self))
    }
    return (process.terminationStatus, data)
  }

  /// Runs a Python program (Debian's python3, as the fixture generator does) with arguments.
  @discardableResult
  static func python(_ program: String, _ arguments: [String] = []) throws -> Data {
    let script = FileManager.default.temporaryDirectory.appendingPathComponent("tar-test-\(UUID().uuidString).py")
    try program.write(to: script, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: script) }
    return try run(["/usr/bin/python3", script.path] + arguments).1
  }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("starling-tar-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Reads a file through read(2), so multi-hundred-megabyte layers stream instead of loading into memory.
struct FileSource: TarByteSource {
  let descriptor: Int32

  init(path: String) throws {
    descriptor = open(path, O_RDONLY)
    if descriptor < 0 { throw HarnessError(description: "cannot open \(path)") }
  }

  func close() { _ = Glibc.close(descriptor) }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
    if count < 0 { throw HarnessError(description: "read failed: errno \(errno)") }
    return count
  }
}

/// Adler-32, matching Python's zlib.adler32, so content can be compared with Python's view of an archive.
struct Adler32 {
  private var a: UInt32 = 1
  private var b: UInt32 = 0

  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    var index = 0
    while index < bytes.count {
      // 5552 bytes is the most that can be summed before the 32-bit sums must be reduced.
      let end = min(index + 5552, bytes.count)
      while index < end {
        a &+= UInt32(bytes[index])
        b &+= a
        index += 1
      }
      a %= 65521
      b %= 65521
    }
  }

  var value: UInt32 { b << 16 | a }
}

/// One member as read by TarReader: metadata, content and its checksum.
struct ReadMember: Equatable {
  var entry: TarEntry
  var content: [UInt8]
}

extension TarReader {
  /// Reads every remaining member with all its content.
  mutating func readAll() throws(TarError) -> [ReadMember] {
    var members: [ReadMember] = []
    while let entry = try next() {
      members.append(ReadMember(entry: entry, content: try readRemainingContent()))
    }
    return members
  }

  /// Reads the current member's content in small, odd-sized steps (to exercise boundaries).
  mutating func readRemainingContent(step: Int = 7_777) throws(TarError) -> [UInt8] {
    var content: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: step)
    while true {
      let result = buffer.withUnsafeMutableBytes { raw in Result { () throws(TarError) in try readContent(into: raw) } }
      let count = try result.get()
      if count == 0 { return content }
      content += buffer[..<count]
    }
  }
}

/// Reads a whole in-memory archive.
func readArchive(_ bytes: [UInt8], limits: TarLimits = TarLimits()) throws(TarError) -> [ReadMember] {
  var reader = TarReader(source: TarBufferSource(bytes), limits: limits)
  return try reader.readAll()
}

/// Writes members with TarWriter into one archive.
func writeArchive(_ members: [ReadMember]) throws -> [UInt8] {
  var archive: [UInt8] = []
  for member in members {
    archive += try TarWriter().header(for: member.entry)
    archive += member.content
    archive += [UInt8](repeating: 0, count: TarWriter.padding(forContentSize: Int64(member.content.count)))
  }
  return archive + TarWriter.endOfArchive
}

func hexBytes(_ text: String) -> [UInt8] {
  var bytes: [UInt8] = []
  var index = text.startIndex
  while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
    bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
    index = next
  }
  return bytes
}

/// An exact decimal time ("-1.5", "1704067200.123456") without going through Double.
func exactTime(_ text: String) -> TarTime? {
  let negative = text.hasPrefix("-")
  let digits = negative ? text.dropFirst() : Substring(text)
  let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
  guard let whole = Int64(parts[0]) else { return nil }
  var nanos: Int64 = 0
  if parts.count == 2 {
    let fraction = (parts[1] + String(repeating: "0", count: 9)).prefix(9)
    guard let value = Int64(fraction) else { return nil }
    nanos = value
  }
  if !negative { return TarTime(seconds: whole, nanoseconds: UInt32(nanos)) }
  if nanos == 0 { return TarTime(seconds: -whole) }
  return TarTime(seconds: -whole - 1, nanoseconds: UInt32(1_000_000_000 - nanos))
}
