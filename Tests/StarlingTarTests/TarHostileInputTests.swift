import StarlingTar
import Testing

/// Inputs an attacker controls: unsafe names, lying sizes, malformed extensions, truncation and garbage.
@Suite struct TarHostileInputTests {
  /// The error reading `archive` throws, if any.
  func error(reading archive: [UInt8], limits: TarLimits = TarLimits()) -> TarError? {
    do {
      _ = try readArchive(archive, limits: limits)
      return nil
    } catch {
      return error
    }
  }

  @Test(arguments: ["../x", "a/../../x", "./../x", "a/b/../../../x", ".."])
  func pathsClimbingAboveTheRootAreRejected(_ name: String) {
    guard case .unsafePath(let path, _)? = error(reading: member(RawHeader(name)) + endMarker) else {
      Issue.record("\(name) was accepted")
      return
    }
    #expect(path == name)
  }

  @Test func absoluteAndDottedPathsAreNeutralised() throws {
    let names = ["/etc/passwd", "//a//b/", "./c/./d/", "a/../e", "/../f"].map { member(RawHeader($0)) }
    let paths = try readArchive(names.dropLast().reduce([], +) + endMarker).map(\.entry.path)
    #expect(paths == ["etc/passwd", "a/b", "c/d", "e"])
    #expect(
      error(reading: names[4] + endMarker) == .unsafePath(path: "/../f", reason: "\"..\" climbs above the archive root")
    )
  }

  @Test func hardLinkOutsideTheRootIsRejectedAndTheReaderContinues() throws {
    var link = RawHeader("evil", type: "1")
    link.text(157, 100, "../../etc/passwd")
    let archive = member(link) + member(RawHeader("after", size: 2), "ok") + endMarker
    var reader = TarReader(source: TarBufferSource(archive))
    #expect(throws: TarError.unsafeLinkTarget(path: "evil", target: "../../etc/passwd")) { try reader.next() }
    #expect(try reader.next()?.path == "after")
    #expect(try reader.readRemainingContent() == Array("ok".utf8))
    #expect(try reader.next() == nil)
  }

  @Test func symlinkTargetsAreRawButHardLinkTargetsAreNormalized() throws {
    var symlink = RawHeader("s", type: "2")
    symlink.text(157, 100, "../../../etc/passwd")
    var hard = RawHeader("h", type: "1")
    hard.text(157, 100, "./a//b/../c")
    let entries = try readArchive(member(symlink) + member(hard) + endMarker).map(\.entry)
    #expect(entries.map(\.linkTarget) == ["../../../etc/passwd", "a/c"])
  }

  @Test func nulBytesInNamesAndTargetsAreRejected() {
    let name = error(reading: pax([("path", "a\0b")]) + member(RawHeader("x")) + endMarker)
    #expect(name == .unsafePath(path: "a\0b", reason: "it contains a NUL byte"))
    let target = error(reading: pax([("linkpath", "t\0u")]) + member(RawHeader("s", type: "2")) + endMarker)
    #expect(target == .unsafeLinkTarget(path: "s", target: "t\0u"))
  }

  @Test func nonUTF8NamesAreUnsupported() {
    var header = RawHeader("")
    header.raw(0, 100, [0x61, 0xFF, 0x62])
    guard case .unsupported(_, let reason)? = error(reading: member(header) + endMarker) else {
      Issue.record("a non-UTF-8 name was accepted")
      return
    }
    #expect(reason.contains("UTF-8"))
  }

  @Test func hugeAndNegativeSizes() {
    var huge = RawHeader("huge")
    huge.base256(124, 12, 1 << 60)
    guard case .limitExceeded? = error(reading: member(huge)) else { Issue.record("2^60 accepted"); return }
    var negative = RawHeader("negative")
    negative.base256(124, 12, -5)
    guard case .invalidHeader? = error(reading: member(negative)) else { Issue.record("-5 accepted"); return }
    guard case .limitExceeded? = error(reading: pax([("size", "1152921504606846976")]) + member(RawHeader("p"))) else {
      Issue.record("PAX size 2^60 accepted")
      return
    }
    guard case .invalidHeader? = error(reading: pax([("size", "99999999999999999999999")]) + member(RawHeader("p")))
    else { Issue.record("PAX size overflow accepted"); return }
  }

  @Test(arguments: [
    "99 path=x\n", "5 path=x\n", "8 path=x\n", "99999999999999999999999999 path=x\n", "path=x\n", "12 pathx\n",
    "7 =x\n\n", "-5 path=x\n", "8 path=x", "10 mtime=x\n", "12 uid=-1\n", "16 mtime=1.2.3\n",
    "29 GNU.sparse.numbytes=5\n", "16 LIBARCHIVE.xattr.a=!!\n",
  ])
  func malformedPaxRecordsAreInvalid(_ records: String) {
    guard case .invalidHeader? = error(reading: paxData(Array(records.utf8)) + member(RawHeader("f")) + endMarker)
    else {
      Issue.record("accepted PAX data \(records.debugDescription)")
      return
    }
  }

  @Test func paxHeaderFollowedByEndOfArchiveIsInvalid() {
    guard case .invalidHeader? = error(reading: pax([("path", "p")]) + endMarker) else {
      Issue.record("dangling PAX header accepted")
      return
    }
    #expect(error(reading: pax([("path", "p")])) == .truncated(path: "p", offset: 1024))
  }

  @Test func limitsBoundWhatIsBuffered() {
    var limits = TarLimits()
    limits.maxPaxHeaderBytes = 100
    limits.maxPathBytes = 10
    limits.maxXattrs = 2
    let bigPax = pax([("comment", String(repeating: "c", count: 200))]) + member(RawHeader("f"))
    guard case .limitExceeded? = error(reading: bigPax, limits: limits) else { Issue.record("big PAX"); return }
    let longName = member(RawHeader("././@LongLink", type: "L", size: 20), String(repeating: "n", count: 20))
    guard case .limitExceeded? = error(reading: longName + member(RawHeader("f")), limits: limits) else {
      Issue.record("long name")
      return
    }
    let xattrs = pax([("SCHILY.xattr.a", ""), ("SCHILY.xattr.b", ""), ("SCHILY.xattr.c", "")])
    guard case .limitExceeded? = error(reading: xattrs + member(RawHeader("f")), limits: limits) else {
      Issue.record("xattrs")
      return
    }
  }

  @Test func unknownTypeflagIsUnsupportedAndSkipped() throws {
    let archive =
      member(RawHeader("weird", type: "Z", size: 600), [UInt8](repeating: 7, count: 600))
      + member(RawHeader("next")) + endMarker
    var reader = TarReader(source: TarBufferSource(archive))
    #expect(throws: TarError.unsupported(path: "weird", reason: "typeflag 'Z' is not a known member type")) {
      try reader.next()
    }
    #expect(try reader.next()?.path == "next")
  }

  @Test func rootNamedByANonDirectoryIsUnsafe() {
    guard case .unsafePath? = error(reading: member(RawHeader("./", type: "2")) + endMarker) else {
      Issue.record("root symlink accepted")
      return
    }
  }

  @Test func garbageBlocksHaveBadChecksums() {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<200 {
      let garbage = (0..<512).map { _ in UInt8.random(in: 1...255, using: &generator) }
      #expect(error(reading: garbage) == .badChecksum(offset: 0))
      #expect(error(reading: member(RawHeader("ok")) + garbage) == .badChecksum(offset: 512))
    }
    var bad = RawHeader("f")
    bad.fixedChecksum = true
    bad.text(148, 8, "0000000\0")
    #expect(error(reading: member(bad)) == .badChecksum(offset: 0))
  }

  /// Truncating a small archive at every byte gives `truncated` or a correct prefix of the members.
  @Test func truncationAtEveryOffset() throws {
    let full =
      pax([("path", "first/ünïcode"), ("mtime", "1.5"), ("SCHILY.xattr.user.x", "v")])
      + member(RawHeader("first", size: 700), [UInt8](repeating: 1, count: 700))
      + member(RawHeader("././@LongLink", type: "L", size: 151), String(repeating: "l", count: 150) + "\0")
      + member(RawHeader("second", type: "5")) + member(RawHeader("third", size: 3), "abc") + endMarker
    let expected = try readArchive(full)
    #expect(expected.count == 3)
    for length in 0..<full.count {
      var reader = TarReader(source: TarBufferSource(Array(full[..<length])))
      var seen: [ReadMember] = []
      do {
        while let entry = try reader.next() {
          seen.append(ReadMember(entry: entry, content: try reader.readRemainingContent(step: 100)))
        }
        // The second zero block of the end marker is never read, so cutting it short goes unnoticed.
        #expect(length % 512 == 0 || length > full.count - 512, "a clean end only at a block boundary (\(length))")
      } catch {
        guard case .truncated = error else {
          Issue.record("length \(length): \(error)")
          continue
        }
      }
      #expect(seen == Array(expected.prefix(seen.count)), "length \(length)")
    }
  }

  @Test func sourceErrorsAreReportedAndKept() {
    struct Failing: TarByteSource {
      struct Broken: Error {}
      func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { throw Broken() }
    }
    var reader = TarReader(source: Failing())
    var thrown: TarError?
    do { _ = try reader.next() } catch { thrown = error }
    guard let thrown, case .readFailed(let offset, _) = thrown else {
      Issue.record("no readFailed")
      return
    }
    #expect(offset == 0 && reader.sourceError is Failing.Broken)
    #expect(throws: thrown) { try reader.next() }
  }

  @Test func inconsistentSparseMapsAreInvalid() {
    let overlapping =
      pax([("GNU.sparse.size", "100"), ("GNU.sparse.map", "0,10,5,10")])
      + member(RawHeader("s", size: 20), [UInt8](repeating: 1, count: 20))
    let wrongTotal =
      pax([("GNU.sparse.size", "100"), ("GNU.sparse.map", "0,10")])
      + member(RawHeader("s", size: 20), [UInt8](repeating: 1, count: 20))
    let beyondEnd =
      pax([("GNU.sparse.size", "5"), ("GNU.sparse.map", "0,10")])
      + member(RawHeader("s", size: 10), [UInt8](repeating: 1, count: 10))
    let noRealSize =
      pax([("GNU.sparse.map", "0,10")]) + member(RawHeader("s", size: 10), [UInt8](repeating: 1, count: 10))
    var negative = RawHeader("s", type: "S", magic: .gnu)
    negative.base256(483, 12, -1)
    for archive in [overlapping, wrongTotal, beyondEnd, noRealSize, member(negative)] {
      guard case .invalidHeader? = error(reading: archive + endMarker) else {
        Issue.record("accepted an inconsistent sparse map")
        continue
      }
    }
  }
}
