import StarlingTar
import Testing

/// Path normalization, whiteout helpers and time formatting.
@Suite struct TarEntryTests {
  @Test(arguments: [
    ("a", "a"), ("a/b", "a/b"), ("/a/b", "a/b"), ("./a", "a"), ("a/", "a"), ("a//b", "a/b"), ("a/./b", "a/b"),
    ("a/b/../c", "a/c"), ("./", ""), ("/", ""), (".", ""), ("", ""), ("a/..", ""), ("...", "..."),
    ("a/.../b", "a/.../b"),
    ("..a/b..", "..a/b.."), (".hidden", ".hidden"), ("////x////", "x"), ("a/\u{301}", "a/\u{301}"),
    ("a/b/c/../../d", "a/d"), ("a b/ c ", "a b/ c "),
  ])
  func normalization(_ raw: String, _ expected: String) throws {
    let normalized = try TarPath.normalize(raw)
    #expect(Array(normalized.utf8) == Array(expected.utf8))
    #expect(try TarPath.normalize(normalized) == normalized, "idempotent")
  }

  @Test(arguments: ["..", "../a", "a/../..", "/../a", "./..", "a/../../b", "x\0y", "../\u{301}x"])
  func unsafePaths(_ raw: String) {
    #expect(throws: TarError.self) { try TarPath.normalize(raw) }
  }

  @Test(
    arguments: [
      (".wh.foo", true, false, "foo"), ("a/.wh.b", true, false, "a/b"), ("a/.wh..wh..opq", false, true, nil),
      (".wh..wh..opq", false, true, nil), ("a/.wh.", true, false, nil), ("a/.wh..", true, false, nil),
      ("a/.wh...", true, false, nil), ("a/.wh....", true, false, "a/..."), ("a/b.wh.c", false, false, nil),
      ("a/.wh..wh.plnk", true, false, "a/.wh.plnk"), ("a/.wh.ü", true, false, "a/ü"), ("", false, false, nil),
    ] as [(String, Bool, Bool, String?)])
  func whiteouts(_ path: String, _ whiteout: Bool, _ opaque: Bool, _ target: String?) {
    let entry = TarEntry(path: path, kind: .regular)
    #expect(entry.isWhiteout == whiteout)
    #expect(entry.isOpaqueWhiteout == opaque)
    #expect(entry.whiteoutTarget == target)
  }

  @Test(arguments: [
    (TarTime(seconds: 0), "0"), (TarTime(seconds: -1), "-1"), (TarTime(seconds: 1, nanoseconds: 500_000_000), "1.5"),
    (TarTime(seconds: -2, nanoseconds: 500_000_000), "-1.5"), (TarTime(seconds: -1, nanoseconds: 1), "-0.999999999"),
    (TarTime(seconds: 0, nanoseconds: 1), "0.000000001"), (TarTime(seconds: .min), "-9223372036854775808"),
    (TarTime(seconds: .min, nanoseconds: 1), "-9223372036854775807.999999999"),
    (TarTime(seconds: .max, nanoseconds: 10), "9223372036854775807.00000001"),
  ])
  func timeDescriptions(_ time: TarTime, _ text: String) {
    #expect(time.description == text)
    #expect(exactTime(text) == time || time.seconds == .min)
  }

  @Test func timesOrderBySecondsThenNanoseconds() {
    #expect(TarTime(seconds: -2, nanoseconds: 999_999_999) < TarTime(seconds: -1))
    #expect(TarTime(seconds: 1) < TarTime(seconds: 1, nanoseconds: 1))
  }

  @Test func errorsDescribeThemselvesInEnglish() {
    let error = TarError.unsafePath(path: "a\u{1B}[31m", reason: "it is red")
    #expect(error.description == "The tar member \"a\\u{1b}[31m\" has an unsafe path: it is red.")
    #expect(TarError.truncated(path: nil, offset: 5).description == "The tar stream ends unexpectedly at offset 5.")
  }
}
