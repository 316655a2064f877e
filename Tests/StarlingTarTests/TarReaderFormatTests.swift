import StarlingTar
import Testing

/// Header dialects and extensions, crafted byte by byte.
@Suite struct TarReaderFormatTests {
  @Test func ustarPrefixIsJoinedToTheName() throws {
    var header = RawHeader("name.txt", size: 2)
    header.text(345, 155, String(repeating: "p", count: 155))
    let members = try readArchive(member(header, "hi") + endMarker)
    #expect(members.map(\.entry.path) == [String(repeating: "p", count: 155) + "/name.txt"])
    #expect(members[0].content == Array("hi".utf8))
  }

  @Test func v7HeadersHaveNoOwnerNamesOrPrefix() throws {
    var header = RawHeader("old/file", type: "\0", size: 3, mode: 0o100_755, magic: .v7)
    header.text(265, 32, "ignored")
    header.text(345, 155, "ignored-prefix")
    var directory = RawHeader("old/dir/", type: "\0", magic: .v7)
    directory.octal(124, 12, 0)
    let members = try readArchive(member(header, "abc") + member(directory) + endMarker)
    #expect(members.map(\.entry.path) == ["old/file", "old/dir"])
    #expect(members[0].entry.mode == 0o755 && members[0].entry.userName.isEmpty)
    #expect(members[1].entry.kind == .directory, "a regular file whose name ends in / is a directory")
  }

  @Test func regularFileWithTrailingSlashIsADirectoryAndItsDataIsSkipped() throws {
    let members = try readArchive(
      member(RawHeader("d/", type: "0", size: 5), "12345") + member(RawHeader("f")) + endMarker)
    #expect(members.map(\.entry.kind) == [.directory, .regular])
    #expect(members[0].entry.size == 0 && members[0].content.isEmpty)
  }

  @Test(arguments: [Character("0"), "\0", "7"])
  func regularTypeflags(_ type: Character) throws {
    let members = try readArchive(member(RawHeader("f", type: type, size: 1), "x") + endMarker)
    #expect(members.map(\.entry.kind) == [.regular] && members[0].content == [UInt8(ascii: "x")])
  }

  @Test func octalFieldsMayBeSpaceOrNULTerminatedOrPadded() throws {
    var header = RawHeader("f", size: 0)
    header.text(100, 8, "  644 \0\0")
    header.text(108, 8, "1750   ")
    header.text(116, 8, "\0\0\0\0\0\0\0\0")
    header.text(136, 12, "17360522300 ")
    let entry = try #require(try readArchive(member(header) + endMarker).first?.entry)
    #expect(entry.mode == 0o644 && entry.uid == 1000 && entry.gid == 0)
    #expect(entry.modificationTime == TarTime(seconds: 0o17360522300))
  }

  @Test func base256NumbersFromGNUTar() throws {
    var header = RawHeader("f", size: 0, magic: .gnu)
    header.base256(108, 8, 3_000_000)
    header.base256(116, 8, 4_000_000)
    header.base256(136, 12, -86_400)
    header.base256(345, 12, 1_000)  // GNU atime
    header.base256(357, 12, 2_000)  // GNU ctime
    let entry = try #require(try readArchive(member(header) + endMarker).first?.entry)
    #expect(entry.uid == 3_000_000 && entry.gid == 4_000_000)
    #expect(entry.modificationTime == TarTime(seconds: -86_400))
    #expect(entry.accessTime == TarTime(seconds: 1_000) && entry.changeTime == TarTime(seconds: 2_000))
  }

  @Test func signedChecksumsAreAccepted() throws {
    var header = RawHeader("caf\u{e9}", size: 0)
    header.signedChecksum = true
    #expect(try readArchive(member(header) + endMarker).map(\.entry.path) == ["caf\u{e9}"])
  }

  @Test func gnuLongNameAndLongLink() throws {
    let name = String(repeating: "n", count: 300)
    let target = "/" + String(repeating: "t", count: 400)
    let archive =
      member(RawHeader("././@LongLink", type: "L", size: name.utf8.count + 1), name + "\0")
      + member(RawHeader("././@LongLink", type: "K", size: target.utf8.count + 1), target + "\0")
      + member(RawHeader(String(name.prefix(100)), type: "2")) + endMarker
    let entry = try #require(try readArchive(archive).first?.entry)
    #expect(entry.path == name && entry.kind == .symbolicLink && entry.linkTarget == target)
  }

  @Test func paxKeysOverrideTheHeader() throws {
    let archive =
      pax([
        ("path", "pax/ünïcode"), ("uid", "5000000"), ("gid", "6"), ("uname", "ünï"), ("gname", ""),
        ("mtime", "-1.5"), ("atime", "1704067200.123456789"), ("ctime", "12.000000001999"), ("size", "3"),
        ("comment", "ignored"), ("hdrcharset", "BINARY"),
      ]) + member(RawHeader("short", size: 99), "abc") + endMarker
    let members = try readArchive(archive)
    let entry = try #require(members.first?.entry)
    #expect(entry.path == "pax/ünïcode" && entry.uid == 5_000_000 && entry.gid == 6)
    #expect(entry.userName == "ünï" && entry.groupName.isEmpty && entry.size == 3 && members[0].content.count == 3)
    #expect(entry.modificationTime == TarTime(seconds: -2, nanoseconds: 500_000_000))
    #expect(entry.accessTime == TarTime(seconds: 1_704_067_200, nanoseconds: 123_456_789))
    #expect(entry.changeTime == TarTime(seconds: 12, nanoseconds: 1), "digits beyond nanoseconds are truncated")
  }

  @Test func paxDevicesAndXattrs() throws {
    let archive =
      pax([
        ("SCHILY.devmajor", "4000000"), ("SCHILY.devminor", "4294967295"), ("SCHILY.xattr.user.a%3Db%25c", "v"),
        ("LIBARCHIVE.xattr.user.%C3%A9t%C3%A9", "aGVsbG8"), ("SCHILY.xattr.user.%C3%A9t%C3%A9", "hello"),
        ("SCHILY.xattr.user.empty", ""), ("LIBARCHIVE.xattr.user.padded", "AAE="),
      ]) + member(RawHeader("dev", type: "3")) + endMarker
    let entry = try #require(try readArchive(archive).first?.entry)
    #expect(entry.deviceMajor == 4_000_000 && entry.deviceMinor == UInt32.max)
    #expect(
      entry.xattrs == [
        TarXattr(name: "user.a=b%c", value: [118]), TarXattr(name: "user.été", value: Array("hello".utf8)),
        TarXattr(name: "user.%C3%A9t%C3%A9", value: Array("hello".utf8)), TarXattr(name: "user.empty", value: []),
        TarXattr(name: "user.padded", value: [0, 1]),
      ])
  }

  @Test func binaryXattrValuesAreKeptExactly() throws {
    let value: [UInt8] = [0xFF, 0x00, 0x0A, 0x80, 0x3D]
    let archive =
      paxData(paxRecord("hdrcharset", Array("BINARY".utf8)) + paxRecord("SCHILY.xattr.user.bin", value))
      + member(RawHeader("f")) + endMarker
    #expect(try readArchive(archive).first?.entry.xattrs == [TarXattr(name: "user.bin", value: value)])
  }

  @Test func globalHeadersApplyOwnerAndTimesToLaterMembers() throws {
    let archive =
      pax([("uid", "77"), ("uname", "global"), ("mtime", "5.5"), ("path", "ignored"), ("comment", "git")], type: "g")
      + member(RawHeader("a")) + pax([("uid", "88")]) + member(RawHeader("b"))
      + pax([("uid", ""), ("uname", "")], type: "g") + member(RawHeader("c")) + endMarker
    let entries = try readArchive(archive).map(\.entry)
    #expect(entries.map(\.path) == ["a", "b", "c"])
    #expect(entries.map(\.uid) == [77, 88, 0])
    #expect(entries.map(\.userName) == ["global", "global", ""])
    #expect(entries[0].modificationTime == TarTime(seconds: 5, nanoseconds: 500_000_000))
    #expect(entries[2].modificationTime == TarTime(seconds: 5, nanoseconds: 500_000_000))

    var limits = TarLimits()
    limits.appliesGlobalHeaders = false
    #expect(try readArchive(archive, limits: limits).map(\.entry.uid) == [0, 88, 0])
  }

  @Test func theRootMemberReadsAsEmptyPath() throws {
    let archive =
      member(RawHeader("./", type: "5")) + member(RawHeader("/", type: "5")) + member(RawHeader(".", type: "5"))
      + endMarker
    #expect(try readArchive(archive).map(\.entry.path) == ["", "", ""])
  }

  @Test func archiveEndsAtTheFirstZeroBlockOrAtCleanEndOfInput() throws {
    let one = member(RawHeader("one"))
    #expect(try readArchive(one).count == 1, "no end marker at all")
    #expect(try readArchive(one + [UInt8](repeating: 0, count: 512)).count == 1, "a single zero block")
    let hidden = one + [UInt8](repeating: 0, count: 512) + member(RawHeader("hidden")) + endMarker
    #expect(try readArchive(hidden).map(\.entry.path) == ["one"], "nothing after the first zero block is read")
  }

  @Test func drainConsumesTheTrailer() throws {
    let archive = member(RawHeader("one", size: 1), "x") + [UInt8](repeating: 0, count: 10240 - 1024)
    var reader = TarReader(source: TarBufferSource(archive))
    _ = try reader.readAll()
    #expect(reader.offset == 1536)
    #expect(try reader.drain() == Int64(archive.count) - 1536)
    #expect(reader.offset == Int64(archive.count))
    #expect(try reader.next() == nil)
  }

  @Test func volumeLabelsAreSkipped() throws {
    let archive = member(RawHeader("label", type: "V", magic: .gnu)) + member(RawHeader("f")) + endMarker
    #expect(try readArchive(archive).map(\.entry.path) == ["f"])
  }
}
