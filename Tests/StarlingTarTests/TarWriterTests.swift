import StarlingTar
import Testing

/// TarWriter output read back by TarReader must equal the entry written, for every field.
@Suite struct TarWriterTests {
  static let long = String(repeating: "d", count: 150) + "/" + String(repeating: "n", count: 100)

  static let entries: [TarEntry] = [
    TarEntry(path: "", kind: .directory, mode: 0o755),
    TarEntry(path: String(repeating: "a", count: 100), kind: .regular, size: 3),
    TarEntry(path: String(repeating: "a", count: 101), kind: .regular),
    TarEntry(path: String(repeating: "d", count: 99), kind: .directory),
    TarEntry(path: String(repeating: "d", count: 100), kind: .directory),
    TarEntry(path: long, kind: .regular, size: 1),
    TarEntry(path: String(repeating: "d", count: 156) + "/n", kind: .regular),
    TarEntry(path: String(repeating: "x/", count: 200) + "end", kind: .regular),
    TarEntry(path: "ünïcode/名前/🐳", kind: .regular, userName: "ünï", groupName: "グループ"),
    TarEntry(path: "tab\tand trailing spaces  ", kind: .regular, userName: String(repeating: "u", count: 31)),
    TarEntry(path: "names", kind: .regular, userName: String(repeating: "u", count: 32), groupName: "g\0nul"),
    TarEntry(path: "ids", kind: .regular, uid: 2_097_151, gid: 2_097_152),
    TarEntry(path: "ids-max", kind: .regular, uid: Int64.max, gid: 1 << 40),
    TarEntry(path: "big", kind: .regular, size: 8_589_934_592),
    TarEntry(path: "octal-max", kind: .regular, size: 8_589_934_591),
    TarEntry(path: "t0", kind: .regular, modificationTime: TarTime(seconds: 0)),
    TarEntry(path: "t1", kind: .regular, modificationTime: TarTime(seconds: 8_589_934_591)),
    TarEntry(path: "t2", kind: .regular, modificationTime: TarTime(seconds: 8_589_934_592)),
    TarEntry(path: "t3", kind: .regular, modificationTime: TarTime(seconds: -1)),
    TarEntry(path: "t4", kind: .regular, modificationTime: TarTime(seconds: -2, nanoseconds: 500_000_000)),
    TarEntry(path: "t5", kind: .regular, modificationTime: TarTime(seconds: .min)),
    TarEntry(path: "t6", kind: .regular, modificationTime: TarTime(seconds: .max, nanoseconds: 999_999_999)),
    TarEntry(path: "t7", kind: .regular, modificationTime: TarTime(seconds: .min, nanoseconds: 1)),
    TarEntry(
      path: "t8", kind: .directory, modificationTime: TarTime(seconds: 1, nanoseconds: 1),
      accessTime: TarTime(seconds: 0), changeTime: TarTime(seconds: -1, nanoseconds: 999_999_999)),
    TarEntry(path: "c", kind: .characterDevice, mode: 0o666, deviceMajor: 1, deviceMinor: 3),
    TarEntry(path: "b", kind: .blockDevice, deviceMajor: 2_097_151, deviceMinor: 2_097_152),
    TarEntry(path: "b2", kind: .blockDevice, deviceMajor: .max, deviceMinor: .max),
    TarEntry(path: "p", kind: .fifo, mode: 0o7777),
    TarEntry(path: "s0", kind: .symbolicLink, mode: 0o777, linkTarget: ""),
    TarEntry(path: "s1", kind: .symbolicLink, linkTarget: "../../.././//x/"),
    TarEntry(path: "s2", kind: .symbolicLink, linkTarget: String(repeating: "t", count: 100)),
    TarEntry(path: "s3", kind: .symbolicLink, linkTarget: "/" + String(repeating: "t", count: 100)),
    TarEntry(path: "s4", kind: .symbolicLink, linkTarget: "ünïcode"),
    TarEntry(path: "h1", kind: .hardLink, linkTarget: long),
    TarEntry(path: "h2", kind: .hardLink, linkTarget: "ünïcode/名前/🐳"),
    TarEntry(
      path: "x", kind: .regular, size: 2,
      xattrs: [
        TarXattr(name: "user.empty", value: []), TarXattr(name: "user.binary", value: [0xFF, 0, 0x0A, 0x80]),
        TarXattr(name: "user.a=b%3Dc%", value: Array("=".utf8)), TarXattr(name: "security.capability", value: [1, 2]),
        TarXattr(name: "user.ünï", value: [UInt8](repeating: 0x41, count: 5000)),
      ]),
    TarEntry(path: ".wh..wh..opq", kind: .regular, mode: 0),
  ]

  @Test(arguments: entries)
  func entryRoundTrips(_ entry: TarEntry) throws {
    let content = [UInt8](repeating: 0x5A, count: entry.size < 10 ? Int(entry.size) : 0)
    var archive = try TarWriter().header(for: entry)
    #expect(archive.count % 512 == 0)
    archive += content + [UInt8](repeating: 0, count: TarWriter.padding(forContentSize: entry.size))
    var reader = TarReader(source: TarBufferSource(archive + TarWriter.endOfArchive))
    let read = try #require(try reader.next())
    #expect(read == entry)
    #expect(Array(read.path.utf8) == Array(entry.path.utf8))
    if entry.size < 10 {
      #expect(try reader.readRemainingContent() == content)
      #expect(try reader.next() == nil)
    }
  }

  @Test func simpleEntriesNeedNoPaxHeader() throws {
    let entry = TarEntry(
      path: "dir/file", kind: .regular, mode: 0o755, uid: 1000, gid: 1000, userName: "user", groupName: "group",
      size: 5, modificationTime: TarTime(seconds: 1_704_067_200))
    let header = try TarWriter().header(for: entry)
    #expect(header.count == 512 && header[156] == UInt8(ascii: "0"))
    #expect(Array(header[257..<265]) == Array("ustar\u{0}00".utf8))
    let withXattr = try TarWriter().header(
      for: TarEntry(path: "f", kind: .regular, xattrs: [TarXattr(name: "user.a", value: [1])]))
    #expect(withXattr.count == 1536 && withXattr[156] == UInt8(ascii: "x"))
  }

  @Test(arguments: [
    TarEntry(path: "a/../b", kind: .regular), TarEntry(path: "/a", kind: .regular),
    TarEntry(path: "a/", kind: .directory),
    TarEntry(path: "./a", kind: .regular), TarEntry(path: "a\0b", kind: .regular), TarEntry(path: "", kind: .regular),
    TarEntry(path: "m", kind: .regular, mode: 0o10000), TarEntry(path: "u", kind: .regular, uid: -1),
    TarEntry(path: "s", kind: .directory, size: 1), TarEntry(path: "n", kind: .regular, size: -1),
    TarEntry(path: "t", kind: .regular, modificationTime: TarTime(seconds: 0, nanoseconds: 1_000_000_000)),
    TarEntry(path: "h", kind: .hardLink, linkTarget: "../x"), TarEntry(path: "h", kind: .hardLink, linkTarget: ""),
    TarEntry(path: "h", kind: .hardLink, linkTarget: "a//b"),
    TarEntry(path: "l", kind: .symbolicLink, linkTarget: "a\0"),
    TarEntry(path: "r", kind: .regular, linkTarget: "x"), TarEntry(path: "r", kind: .regular, deviceMajor: 1),
    TarEntry(path: "x", kind: .regular, xattrs: [TarXattr(name: "", value: [])]),
    TarEntry(path: "x", kind: .regular, xattrs: [TarXattr(name: "a", value: []), TarXattr(name: "a", value: [1])]),
  ])
  func entriesTheReaderCouldNeverReturnAreRejected(_ entry: TarEntry) {
    #expect {
      _ = try TarWriter().header(for: entry)
    } throws: { error in
      guard case .invalidEntry = error as? TarError else { return false }
      return true
    }
  }

  @Test func paddingAndEndMarker() {
    #expect([0, 1, 511, 512, 513, 1024].map { TarWriter.padding(forContentSize: $0) } == [0, 511, 1, 0, 511, 0])
    #expect(TarWriter.endOfArchive == [UInt8](repeating: 0, count: 1024))
  }

  @Test func outputIsDeterministic() throws {
    for entry in Self.entries { #expect(try TarWriter().header(for: entry) == TarWriter().header(for: entry)) }
  }
}
