import Foundation
import StarlingCompression
import StarlingFormat

/// Builds a synthetic layer index of N files (default 500 000) and prints its size per file
/// and per chunk, compressed and not, and the time to open it and to look paths up —
/// showing that lookups do not depend on decoding the whole index.
///
///   swift run -c release starling-index-bench [FILES]
@main
struct IndexScaleBenchmark {
  static func main() throws {
    let files = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 500_000
    let perDirectory = 100
    let builder = ChunkIndexBuilder()
    var generator = SystemRandomNumberGenerator()
    var streamOffset: UInt64 = 0
    var paths: [String] = []
    paths.reserveCapacity(files)
    var clock = ContinuousClock.now
    for i in 0..<files {
      let path =
        "usr/lib/pkg\(i / (perDirectory * 100))/dir\(i / perDirectory)/file-\(i)-\(UInt32.random(in: 0...UInt32.max, using: &generator)).so"
      let size = UInt64.random(in: 0...40_000, using: &generator)
      builder.add(
        path: path,
        entry: IndexEntry(
          kind: .regular(streamOffset: streamOffset + 512), permissions: 0o644, uid: 0, gid: 0, size: size,
          mtimeSeconds: 1_700_000_000, mtimeNanoseconds: 0))
      streamOffset += 512 + (size + 511) / 512 * 512
      paths.append(path)
    }
    // Group frames of 256 KiB, as the converter cuts small files.
    var frameOffset: UInt64 = 0
    var blobOffset: UInt64 = 0
    var frames = 0
    while frameOffset < streamOffset {
      let size = UInt32(min(256 << 10, streamOffset - frameOffset))
      var digestSeed = [UInt8](repeating: 0, count: 8)
      withUnsafeBytes(of: frameOffset) { digestSeed = Array($0) }
      builder.addFrame(
        FrameRecord(
          streamOffset: frameOffset, blobOffset: blobOffset, compressedSize: size / 3, uncompressedSize: size,
          canonical: 0, isChunk: false, digest: .sha256(of: digestSeed)))
      frameOffset += UInt64(size)
      blobOffset += UInt64(size / 3)
      frames += 1
    }
    let raw = builder.serialize(
      IndexSummary(tarSize: streamOffset, dataSize: blobOffset, diffID: .sha256(of: [0]), chunkSize: 1 << 20))
    let buildTime = ContinuousClock.now - clock
    let compressed = try ZstdCompressor(level: raw.count > 4 << 20 ? 9 : 19).compressFrame(raw)
    clock = ContinuousClock.now
    let index = try ChunkIndex(compressed: compressed, digest: .sha256(of: compressed))
    let openTime = ContinuousClock.now - clock
    clock = ContinuousClock.now
    let lookups = 100_000
    var found = 0
    for _ in 0..<lookups {
      let path = paths[Int.random(in: 0..<paths.count, using: &generator)]
      if let i = try index.lookup(path: path),
        try !index.chunks(of: try index.entry(i), range: 0..<4096).isEmpty || true
      {
        found += 1
      }
    }
    let lookupTime = ContinuousClock.now - clock
    guard found == lookups else { fatalError("lookup failed: \(found) of \(lookups)") }
    print("files: \(files) in \(files / perDirectory) directories, \(frames) frames")
    print(
      "index: \(raw.count) bytes raw (\(raw.count / index.entryCount.asInt) B/entry), \(compressed.count) bytes zstd (\(String(format: "%.1f", Double(compressed.count) / Double(files))) B/file)"
    )
    print(
      "layer stand-in: \(blobOffset) compressed bytes -> index is \(String(format: "%.2f", Double(compressed.count) * 100 / Double(blobOffset)))% of it"
    )
    print("build+serialize: \(buildTime), open (digest + decompress + header check): \(openTime)")
    print(
      "lookup path + chunks: \(lookups) in \(lookupTime) = \(String(format: "%.2f", Double(lookupTime.components.attoseconds / 1_000_000_000 + lookupTime.components.seconds * 1_000_000_000) / Double(lookups) / 1000)) µs each"
    )
  }
}

extension UInt32 {
  var asInt: Int { Int(self) }
}
