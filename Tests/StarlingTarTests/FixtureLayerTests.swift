import Foundation
import StarlingTar
import Testing

/// The OCI fixture layers (built by Tools/fixtures.sh) read by TarReader and compared with Python's tarfile.
@Suite struct FixtureLayerTests {
  static let root = "/var/tmp/starling/fixtures"

  /// The gzip-compressed blobs of one fixture image (layers; configs and manifests are JSON).
  static func layers(of fixture: String) throws -> [String] {
    let blobs = "\(root)/\(fixture)/blobs/sha256"
    return try FileManager.default.contentsOfDirectory(atPath: blobs).sorted().map { "\(blobs)/\($0)" }.filter {
      guard let handle = FileHandle(forReadingAtPath: $0) else { return false }
      defer { try? handle.close() }
      return handle.readData(ofLength: 2) == Data([0x1F, 0x8B])
    }
  }

  /// Skipped (reported as such) only when the fixtures were never built; a missing layer inside them fails.
  @Test(
    .enabled(
      if: FileManager.default.fileExists(atPath: FixtureLayerTests.root),
      "\(FixtureLayerTests.root) does not exist: run Tools/fixtures.sh to build the fixture images"),
    arguments: ["edge", "small", "python"])
  func layersMatchPython(_ fixture: String) throws {
    let layers = try Self.layers(of: fixture)
    #expect(!layers.isEmpty, "\(fixture) has layers")
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    var all: [(TarEntry, UInt32)] = []
    for layer in layers {
      let tar = directory.path("layer.tar")
      try Tool.run(["sh", "-c", "gzip -dc \"$0\" > \"$1\"", layer, tar])
      let members = try readWithChecksums(path: tar)
      PythonOracle.expectSame(members, try PythonOracle.list(tar), "\(fixture) \(layer.suffix(12))")
      all += members
    }
    if fixture == "edge" { try checkEdgeCorners(all) }
  }

  /// Spot checks of what edge.py promises, beyond agreeing with Python (first occurrence over all layers).
  func checkEdgeCorners(_ members: [(TarEntry, UInt32)]) throws {
    let byPath = Dictionary(members.map { (Array($0.0.path.utf8), $0.0) }, uniquingKeysWith: { first, _ in first })
    func entry(_ path: String) throws -> TarEntry { try #require(byPath[Array(path.utf8)], "\(path)") }
    #expect(try entry("").kind == .directory, "the root member \"./\" reads as \"\"")
    #expect(try entry("dot-slash-prefixed.txt").kind == .regular)
    #expect(try entry("files/zeros-300MiB").size == 300 << 20)
    let binary = [0xFF, 0xFE, 0, 0x80] + Array("binary".utf8)
    #expect(try entry("xattr/binary-value").xattrs == [TarXattr(name: "user.starling.binary", value: binary)])
    let xattrs = try entry("xattr/user-xattrs").xattrs
    #expect(
      xattrs.map(\.name) == [
        "user.starling.text", "user.starling.empty", "user.starling.control", "user.starling.long",
      ])
    #expect(xattrs[1].value.isEmpty && xattrs[2].value == [0, 1, 2, 0x7F])
    #expect(try entry("owners/gnu-big-uid").uid == 3_000_000)
    #expect(try entry("owners/big-uid").gid == 4_000_000)
    #expect(try entry("times/pre-epoch").modificationTime == TarTime(seconds: -86400))
    #expect(try entry("times/far-future").modificationTime == TarTime(seconds: 10_000_000_000))
    #expect(
      try entry("times/half-second").modificationTime == TarTime(seconds: 1_704_067_200, nanoseconds: 500_000_000))
    let device = try entry("devices/nvme0n1")
    #expect(device.kind == .blockDevice && device.deviceMajor == 259 && device.deviceMinor == 0)
    #expect(try entry("devices/fifo").kind == .fifo)
    #expect(try entry("links/abs").linkTarget == "/files/text.txt")
    #expect(try entry("links/hard-same-dir").linkTarget == "links/a-original")
    #expect(try entry("long/gnu-hardlink").linkTarget.utf8.count > 255)
    #expect(try entry("links/long-target").linkTarget.utf8.count > 255)
    #expect(try entry("modes/all-bits").mode == 0o7777)
    let whiteout = try entry("to-delete/.wh.gone.txt")
    #expect(whiteout.isWhiteout && whiteout.whiteoutTarget == "to-delete/gone.txt")
    let opaque = try entry("opaque/.wh..wh..opq")
    #expect(opaque.isOpaqueWhiteout && !opaque.isWhiteout && opaque.whiteoutTarget == nil)
    #expect(try entry(".wh.to-delete-dir").whiteoutTarget == "to-delete-dir")
    #expect(try entry("pax-global/file.txt").kind == .regular)
    #expect(members.filter { $0.0.path == "dup/twice.txt" }.count == 2, "duplicate members are all returned")
    #expect(
      byPath[Array("unicode/NFC-\u{e9}.txt".utf8)] != nil && byPath[Array("unicode/NFD-e\u{301}.txt".utf8)] != nil)
  }
}
