import Foundation
import StarlingFS
import StarlingFormat
import StarlingOCI
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The access trace: one JSON line per file, at its first open or read, with names escaped.
@Suite struct AccessTraceTests {
  struct Line: Decodable, Equatable {
    var t_us: Int64
    var event: String
    var layer: String
    var path: String
  }

  private func lines(_ file: URL) throws -> [Line] {
    let text = try String(contentsOf: file, encoding: .utf8)
    #expect(text.isEmpty || text.hasSuffix("\n"))
    return try text.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
  }

  @Test func onlyTheFirstAccessOfEachFileIsWritten() throws {
    let directory = FileManager.default.temporaryDirectory.appending(path: "starling-trace-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appending(path: "trace.jsonl")
    let sink = try TraceSink(path: file.path)
    let layer = try SampleLayer.make(trace: sink)
    let trace = try #require(layer.filesystem.trace)

    let hosts = try layer.inode("etc/hosts")
    _ = try layer.filesystem.open(inode: hosts, flags: O_RDONLY)
    _ = try layer.filesystem.open(inode: hosts, flags: O_RDONLY)
    trace.record(entry: UInt32(hosts - 1), event: .read)
    // The other name of the same file is the same inode: nothing new.
    _ = try layer.filesystem.open(inode: try layer.inode("etc/hosts.link"), flags: O_RDONLY)
    trace.record(entry: UInt32(try layer.inode("var/kept") - 1), event: .read)
    _ = try layer.filesystem.open(inode: try layer.inode("var/kept"), flags: O_RDONLY)
    _ = try layer.filesystem.open(inode: try layer.inode(SampleLayer.oddName), flags: O_RDONLY)
    // Failed opens and metadata calls are not accesses of content.
    _ = try? layer.filesystem.open(inode: try layer.inode("times/old"), flags: O_WRONLY)
    _ = try layer.filesystem.getattr(inode: try layer.inode("times/late"))
    sink.close()
    // Writes after close are dropped.
    trace.record(entry: UInt32(try layer.inode("times/last") - 1), event: .read)

    let written = try lines(file)
    let name = layer.descriptor.digest.description
    #expect(written.map(\.path) == ["/etc/hosts", "/var/kept", "/" + SampleLayer.oddName])
    #expect(written.map(\.event) == ["open", "read", "open"])
    #expect(written.allSatisfy { $0.layer == name })
    #expect(written.allSatisfy { $0.t_us >= 0 })
    #expect(zip(written, written.dropFirst()).allSatisfy { $0.t_us <= $1.t_us })
    // The odd name is escaped, so the line is one line and decodes to the exact name.
    let raw = try String(contentsOf: file, encoding: .utf8)
    #expect(raw.split(separator: "\n").count == 3)
    #expect(raw.contains(#""path":"/we\"ird\\name\nwith\ttabs\u0001and é""#), "\(raw)")
  }

  /// FUSE workers record accesses from several threads at once: still one line per file,
  /// and the lines in time order (a prefetch planner replays them in file order).
  @Test func concurrentFirstAccessesAreWrittenOnceEachInTimeOrder() throws {
    let directory = FileManager.default.temporaryDirectory.appending(path: "starling-trace-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var outOfOrder: [(Int64, Int64)] = []
    for round in 0..<150 {
      let file = directory.appending(path: "trace-\(round).jsonl")
      let sink = try TraceSink(path: file.path)
      let layer = try SampleLayer.make(trace: sink)
      let trace = try #require(layer.filesystem.trace)
      let entries = Int(layer.index.entryCount)
      DispatchQueue.concurrentPerform(iterations: entries * 4) { i in
        trace.record(entry: UInt32(i % entries), event: i < entries ? .open : .read)
      }
      sink.close()
      let written = try lines(file)
      #expect(written.count == entries, "every entry once")
      #expect(Set(written.map(\.path)).count == entries)
      outOfOrder += zip(written, written.dropFirst()).filter { $0.t_us > $1.t_us }.map { ($0.t_us, $1.t_us) }
    }
    #expect(outOfOrder.count == 0, "t_us goes back \(outOfOrder.count) times, e.g. \(outOfOrder.prefix(3))")
  }

  @Test func sinkAppendsToAnExistingFile() throws {
    let directory = FileManager.default.temporaryDirectory.appending(path: "starling-trace-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appending(path: "trace.jsonl")
    try Data("{\"t_us\":0,\"event\":\"open\",\"layer\":\"x\",\"path\":\"before\"}\n".utf8).write(to: file)
    let sink = try TraceSink(path: file.path)
    let layer = try SampleLayer.make(trace: sink)
    _ = try layer.filesystem.open(inode: try layer.inode("etc/hosts"), flags: O_RDONLY)
    sink.close()
    #expect(try lines(file).map(\.path) == ["before", "/etc/hosts"])
    #expect(throws: (any Error).self) { _ = try TraceSink(path: directory.appending(path: "no/such/dir").path) }
  }
}
