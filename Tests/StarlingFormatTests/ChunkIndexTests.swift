import StarlingCompression
import StarlingFormat
import Testing

@Suite struct ChunkIndexTests {
  static func file(_ offset: UInt64, size: UInt64, mode: UInt32 = 0o644) -> IndexEntry {
    IndexEntry(
      kind: .regular(streamOffset: offset), permissions: mode, uid: 1000, gid: 100, size: size,
      mtimeSeconds: 1_700_000_000, mtimeNanoseconds: 5)
  }

  static let dir = IndexEntry(
    kind: .directory, permissions: 0o755, uid: 0, gid: 0, size: 0, mtimeSeconds: 1, mtimeNanoseconds: 0)

  /// A small layer: frames of 100 stream bytes each.
  static func sample() throws -> ChunkIndex {
    let builder = ChunkIndexBuilder()
    builder.add(path: "usr", entry: dir)
    builder.add(path: "usr/bin", entry: dir)
    builder.add(path: "usr/bin/zsh", entry: file(512, size: 150, mode: 0o4755))
    builder.add(path: "usr/bin/ash", entry: file(1024, size: 0))
    try builder.addHardLink(path: "usr/bin/sh", target: "usr/bin/zsh")
    builder.add(
      path: "etc/link",
      entry: IndexEntry(
        kind: .symlink(target: Array("../usr/bin/zsh".utf8)), permissions: 0o777, uid: 0, gid: 0, size: 0,
        mtimeSeconds: 2, mtimeNanoseconds: 0, xattrs: [(Array("user.k".utf8), [])]))
    builder.addWhiteout(path: "etc/gone", mtimeSeconds: 3, mtimeNanoseconds: 0)
    builder.markOpaque(directory: "var")
    builder.add(
      path: "dev/null",
      entry: IndexEntry(
        kind: .characterDevice(major: 1, minor: 3), permissions: 0o666, uid: 0, gid: 0, size: 0, mtimeSeconds: 0,
        mtimeNanoseconds: 0))
    for i in 0..<12 {
      builder.addFrame(
        FrameRecord(
          streamOffset: UInt64(i) * 100, blobOffset: UInt64(i) * 40, compressedSize: 40, uncompressedSize: 100,
          canonical: 0, isChunk: false, digest: .sha256(of: [UInt8(i % 5)])))
    }
    let bytes = builder.serialize(IndexSummary(tarSize: 1200, dataSize: 480, diffID: .sha256(of: [1]), chunkSize: 100))
    return try ChunkIndex(bytes: bytes)
  }

  @Test func lookupsAndAttributes() throws {
    let index = try Self.sample()
    #expect(index.tarSize == 1200 && index.diffID == .sha256(of: [1]))
    let zsh = try #require(try index.lookup(path: "usr/bin/zsh"))
    let record = try index.entry(zsh)
    #expect(record.mode == 0o104755 && record.uid == 1000 && record.size == 150 && record.nlink == 2)
    // Hard links: one canonical record (the first name breadth-first, "sh"), the other an alias.
    #expect(record.mtimeSeconds == 1_700_000_000 && record.mtimeNanoseconds == 5)
    #expect(try index.path(of: zsh) == "usr/bin/zsh")
    let sh = try index.entry(try #require(try index.lookup(path: "/usr/bin/sh")))
    #expect(record.flags.contains(.hardLinkAlias) && record.canonical == sh.index)
    #expect(!sh.flags.contains(.hardLinkAlias) && sh.nlink == 2 && sh.mode == record.mode)
    #expect(try index.lookup(path: "usr/bin/nope") == nil)
    #expect(try index.lookup(path: "usr/bin/zsh/x") == nil)
    let names = try index.children(of: try #require(try index.lookup(path: "usr/bin"))).map {
      String(decoding: try index.name(of: try index.entry($0)), as: UTF8.self)
    }
    #expect(names == ["ash", "sh", "zsh"])
    let link = try index.entry(try #require(try index.lookup(path: "etc/link")))
    #expect(String(decoding: try index.symlinkTarget(of: link), as: UTF8.self) == "../usr/bin/zsh")
    #expect(try index.xattrs(of: link).map { Array($0.name) } == [Array("user.k".utf8)])
    let gone = try index.entry(try #require(try index.lookup(path: "etc/gone")))
    #expect(gone.flags.contains(.whiteout) && gone.fileType == 0o020000 && gone.device == (0, 0))
    let etc = try index.entry(try #require(try index.lookup(path: "etc")))
    #expect(etc.flags.contains(.implicit) && etc.isDirectory)
    #expect(try index.entry(try #require(try index.lookup(path: "var"))).flags.contains(.opaque))
    let null = try index.entry(try #require(try index.lookup(path: "dev/null")))
    #expect(null.device == (1, 3))
  }

  @Test func chunksCoverRangesAcrossFrames() throws {
    let index = try Self.sample()
    let zsh = try index.entry(try #require(try index.lookup(path: "usr/bin/zsh")))
    // Content lives at stream 512..<662: frames 5 (500..<600) and 6 (600..<700).
    let all = try index.chunks(of: zsh, range: 0..<150)
    #expect(all.map(\.frameIndex) == [5, 6])
    #expect(all.map(\.offsetInFrame) == [12, 0] && all.map(\.length) == [88, 62])
    #expect(all.map(\.fileOffset) == [0, 88])
    let tail = try index.chunks(of: zsh, range: 100..<1000)
    #expect(tail.map(\.frameIndex) == [6] && tail.first?.length == 50)
    let sh = try index.entry(try #require(try index.lookup(path: "usr/bin/sh")))
    #expect(try index.chunks(of: sh, range: 0..<150) == all)
    // Frames 5..11 repeat digests of frames 0..4: they point to the first copy.
    #expect(try index.frame(5).canonical == 0 && index.frame(3).canonical == 3)
  }

  @Test func hostileIndexesThrow() throws {
    let good = try Self.sample().bytes
    #expect(throws: IndexFormatError.self) { try ChunkIndex(bytes: Array(good.prefix(50))) }
    #expect(throws: IndexFormatError.self) { try ChunkIndex(bytes: Array(good.dropLast())) }
    var badMagic = good
    badMagic[0] = 0
    #expect(throws: IndexFormatError.badMagic(what: "index")) { try ChunkIndex(bytes: badMagic) }
    var huge = good
    huge[16] = 0xFF; huge[17] = 0xFF; huge[18] = 0xFF; huge[19] = 0xFF  // entry count
    #expect(throws: IndexFormatError.self) { try ChunkIndex(bytes: huge) }
    // Found by the fuzzer: a string-table size near 2^64 overflowed the size check.
    var hugeStrings = good
    for i in 32..<40 { hugeStrings[i] = 0xFF }
    #expect(throws: IndexFormatError.self) { try ChunkIndex(bytes: hugeStrings) }
    // A name pointing outside the string table.
    var badName = good
    let count = Int(UInt32(littleEndianBytes: good[16..<20]))
    for i in 1..<count {
      let record = LayerFormat.indexHeaderSize + i * LayerFormat.entryRecordSize
      badName[record + 4] = 0xFF; badName[record + 5] = 0xFF
    }
    let index = try ChunkIndex(bytes: badName)
    #expect(throws: IndexFormatError.self) { _ = try index.lookup(path: "usr/bin/zsh") }
  }

  @Test func compressedIndexIsDigestChecked() throws {
    let raw = try Self.sample().bytes
    let compressed = try ZstdCompressor(level: 19).compressFrame(raw)
    let digest = Digest.sha256(of: compressed)
    let opened = try ChunkIndex(compressed: compressed, digest: digest)
    #expect(opened.bytes == raw)
    var flipped = compressed
    flipped[flipped.count / 2] ^= 1
    #expect(throws: IndexFormatError.self) {
      try ChunkIndex(compressed: flipped, digest: digest)
    }
    let footer = IndexFooter(
      indexOffset: 1234, indexCompressedSize: 99, indexUncompressedSize: 400, indexDigest: digest)
    let frame = footer.encodedFrame()
    #expect(frame.count == LayerFormat.footerFrameSize)
    #expect(try IndexFooter(frame: frame) == footer)
    var broken = frame
    broken[10] ^= 0xFF
    #expect(throws: IndexFormatError.self) { try IndexFooter(frame: broken) }
  }
}
