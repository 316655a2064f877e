import Foundation
import StarlingTar
import Testing

/// Archives written by GNU tar in every format it has, read by TarReader and checked against Python's tarfile,
/// then written back with TarWriter and checked again.
@Suite struct GNUTarTests {
  struct Case: CustomStringConvertible, Sendable {
    var format: String
    var options: [String]
    var flavor: SampleTree.Flavor
    var description: String { ([format] + options).joined(separator: " ") }
  }

  static let cases: [Case] = [
    Case(format: "pax", options: ["--xattrs", "--xattrs-include=*"], flavor: .full),
    Case(format: "posix", options: [], flavor: .full),
    Case(format: "gnu", options: [], flavor: .full),
    Case(format: "oldgnu", options: [], flavor: .full),
    Case(format: "ustar", options: [], flavor: .simple),
    Case(format: "v7", options: [], flavor: .simple),
    Case(format: "gnu", options: ["--sparse"], flavor: .full),
    Case(format: "pax", options: ["--sparse", "--sparse-version=0.0"], flavor: .full),
    Case(format: "pax", options: ["--sparse", "--sparse-version=0.1"], flavor: .full),
    Case(format: "pax", options: ["--sparse", "--sparse-version=1.0", "--xattrs"], flavor: .full),
  ]

  @Test(arguments: cases)
  func readsWhatGNUTarWrites(_ testCase: Case) throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    try SampleTree.build(at: directory.path("tree"), flavor: testCase.flavor)
    let archive = directory.path("archive.tar")
    try Tool.run(
      ["tar", "--format=\(testCase.format)"] + testCase.options + ["-cf", archive, "-C", directory.path("tree"), "."])
    let members = try readWithChecksums(path: archive)
    PythonOracle.expectSame(members, try PythonOracle.list(archive), testCase.description)
    #expect(members.count > (testCase.flavor == .full ? 40 : 20))
    #expect(members.first?.0.path == "", "the root member \"./\" reads as \"\"")
    let pair: Set<String> = ["dir/hard-link", "file-513"]
    #expect(members.contains { $0.0.kind == .hardLink && Set([$0.0.path, $0.0.linkTarget]) == pair })
    if testCase.options.contains("--sparse") {
      let sparse = try #require(members.first { $0.0.path == "sparse" })
      #expect(sparse.0.kind == .regular && sparse.0.size == 10 << 20)
      let stored = try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int ?? 0
      #expect(stored < 1 << 20, "GNU tar stored the 10 MiB file sparsely")
    }

    // Every member written back by TarWriter reads back identically, content included.
    let original = try readArchive(Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
    let rewritten = try writeArchive(original)
    let reread = try readArchive(rewritten)
    #expect(reread == original)
    #expect(reread.map { Array($0.entry.path.utf8) } == original.map { Array($0.entry.path.utf8) })

    // GNU tar lists TarWriter's output with the same names (it prints them with a leading "./" stripped).
    let rewrittenPath = directory.path("rewritten.tar")
    try Data(rewritten).write(to: URL(fileURLWithPath: rewrittenPath))
    PythonOracle.expectSame(
      try readWithChecksums(path: rewrittenPath), try PythonOracle.list(rewrittenPath), "rewritten")
  }

  /// Enough data runs that old-GNU headers need extension blocks and 1.0 maps span several blocks.
  @Test(arguments: [
    ["--format=gnu"], ["--format=pax", "--sparse-version=0.0"], ["--format=pax", "--sparse-version=0.1"],
    ["--format=pax", "--sparse-version=1.0"],
  ])
  func sparseFilesWithManyRuns(_ options: [String]) throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    try Tool.python(
      """
      import sys
      with open(sys.argv[1], "wb") as f:
          f.truncate(200 << 20)
          for i in range(1, 200, 3):
              f.seek(i << 20)
              f.write(b"run %d " % i * 1000)
      """, [directory.path("sparse")])
    let archive = directory.path("sparse.tar")
    try Tool.run(["tar", "--sparse"] + options + ["-cf", archive, "-C", directory.url.path, "sparse"])
    let members = try readWithChecksums(path: archive)
    PythonOracle.expectSame(members, try PythonOracle.list(archive), options.joined(separator: " "))
    #expect(members.map(\.0.size) == [200 << 20])
    let stored = try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int ?? 0
    #expect(stored < 10 << 20, "stored sparsely")
  }

  @Test func gnuTarExtractsWhatTarWriterWrites() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let tree = directory.path("tree")
    try SampleTree.build(at: tree, flavor: .full)
    let archive = directory.path("original.tar")
    try Tool.run(["tar", "--format=pax", "--sparse", "--xattrs", "--xattrs-include=*", "-cf", archive, "-C", tree, "."])
    let members = try readArchive(Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
    let rewritten = directory.path("rewritten.tar")
    try Data(try writeArchive(members)).write(to: URL(fileURLWithPath: rewritten))
    let extracted = directory.path("extracted")
    try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: true)
    try Tool.run(["tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", rewritten, "-C", extracted])
    let expected = try SampleTree.snapshot(tree)
    let actual = try SampleTree.snapshot(extracted)
    #expect(actual == expected)
    #expect(expected.contains("user.binary") && expected.contains("\"uid\": 3000000"), "the tree has the corners")
  }
}
