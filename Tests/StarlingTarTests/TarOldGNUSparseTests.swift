import StarlingTar
import Testing

/// Old-GNU sparse members ('S'), crafted so that the runs need an extension block.
@Suite struct TarOldGNUSparseTests {
  @Test func holesExpandToZerosAcrossExtensionBlocks() throws {
    var header = RawHeader("sparse", type: "S", size: 6 * 3, magic: .gnu)
    // Runs of 3 bytes at 10, 20, ..., 60; the header holds four, an extension block the other two.
    for run in 0..<4 {
      header.octal(386 + run * 24, 12, 10 * (run + 1))
      header.octal(398 + run * 24, 12, 3)
    }
    header.bytes[482] = 1
    header.octal(483, 12, 100)
    var extensionBlock = RawHeader("")
    extensionBlock.bytes = [UInt8](repeating: 0, count: 512)
    for run in 0..<2 {
      extensionBlock.octal(run * 24, 12, 50 + 10 * run)
      extensionBlock.octal(run * 24 + 12, 12, 3)
    }
    let data = Array("aaabbbcccdddeeefff".utf8)
    let archive =
      header.block + extensionBlock.bytes + data + [UInt8](repeating: 0, count: 512 - data.count) + endMarker
    let members = try readArchive(archive)
    var expected = [UInt8](repeating: 0, count: 100)
    for (run, letter) in "abcdef".utf8.enumerated() {
      for index in 0..<3 { expected[10 * (run + 1) + index] = letter }
    }
    #expect(members.map(\.entry.size) == [100])
    #expect(members.first?.content == expected)
  }
}
