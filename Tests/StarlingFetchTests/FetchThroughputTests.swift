import Foundation
import StarlingCache
import StarlingFetch
import StarlingFormat
import Testing

/// A measurement, not a check: warm reads (frames in a DiskChunkStore, memory cache cold)
/// of one large file in 1 MiB requests, printed in MB/s. Run with
/// `STARLING_FETCH_BENCH=<MiB> swift test --filter FetchThroughputTests` (release builds
/// give the real figure).
@Suite struct FetchThroughputTests {
  static let mebibytes = ProcessInfo.processInfo.environment["STARLING_FETCH_BENCH"].flatMap(Int.init)

  @Test(.enabled(if: mebibytes != nil)) func warmSequentialReads() async throws {
    let size = (Self.mebibytes ?? 0) << 20
    let layer = try ConvertedLayer.make(files: ["big.bin": Self.compressible(size)])
    let big = try layer.entry("big.bin")
    let directory = FileManager.default.temporaryDirectory.appending(path: "starling-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    // Fill the store.
    let source = MemorySource(name: "registry", blob: layer.blob, delay: .zero)
    let filler = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: try DiskChunkStore(directory: directory, maxBytes: 1 << 40),
      sources: [source], options: .init(memoryCacheBytes: 0, denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    for start in stride(from: 0, to: size, by: 64 << 20) {
      _ = try await filler.read(entry: big, range: UInt64(start)..<UInt64(start + (64 << 20)))
    }
    let frames = (0..<layer.index.frameCount).compactMap { try? layer.index.frame($0) }
    print("bench: \(size >> 20) MiB in \(frames.count) frames, blob \(layer.blob.count >> 20) MiB")
    try await measure("1 MiB aligned, 1 reader", layer, directory, size: size, shift: 0, readers: 1)
    try await measure("1 MiB at +128 KiB, 1 reader", layer, directory, size: size, shift: 128 << 10, readers: 1)
    try await measure("1 MiB aligned, 4 readers", layer, directory, size: size, shift: 0, readers: 4)
    try await measure("128 KiB, 1 reader", layer, directory, size: size, shift: 0, readers: 1, request: 128 << 10)
    // Decode alone, one thread, for comparison.
    let store = try DiskChunkStore(directory: directory, maxBytes: 1 << 40)
    var compressed: [(FrameRecord, [UInt8])] = []
    for frame in frames.prefix(256) {
      if let bytes = try await store.get(ChunkKey(digest: frame.digest, size: frame.uncompressedSize)) {
        compressed.append((frame, bytes))
      }
    }
    let clock = ContinuousClock()
    var decoded = 0
    let elapsed = try clock.measure { for (frame, bytes) in compressed { decoded += try frame.decode(bytes).count } }
    print("bench: decode only (zstd + sha256, 1 thread): \(Self.rate(decoded, elapsed))")
  }

  func measure(
    _ label: String, _ layer: ConvertedLayer, _ directory: URL, size: Int, shift: Int, readers: Int,
    request: Int = 1 << 20
  ) async throws {
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: try DiskChunkStore(directory: directory, maxBytes: 1 << 40),
      sources: [])
    let big = try layer.entry("big.bin")
    let share = size / readers
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
      try await withThrowingTaskGroup(of: Void.self) { group in
        for reader in 0..<readers {
          group.addTask {
            for start in stride(from: reader * share + shift, to: (reader + 1) * share, by: request) {
              _ = try await fetcher.read(entry: big, range: UInt64(start)..<UInt64(start + request))
            }
          }
        }
        try await group.waitForAll()
      }
    }
    let stats = await fetcher.statistics
    print(
      "bench: \(label): \(Self.rate(stats.bytesServed, elapsed)) (store \(stats.cacheHits), memory \(stats.memoryHits))"
    )
  }

  static func rate(_ bytes: Int, _ elapsed: Duration) -> String {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return String(format: "%.0f MB/s", Double(bytes) / seconds / 1e6)
  }

  /// Text-like bytes (compresses about 3:1), each MiB made unique so no frames dedupe.
  static func compressible(_ size: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    let words = (0..<256).map { _ in
      (0..<Int.random(in: 2...9, using: &generator)).map { _ in UInt8.random(in: 97...122, using: &generator) } + [32]
    }
    var pattern: [UInt8] = []
    pattern.reserveCapacity(4 << 20)
    while pattern.count < 4 << 20 { pattern += words[Int.random(in: 0..<256, using: &generator)] }
    var output: [UInt8] = []
    output.reserveCapacity(size)
    for mib in 0..<size >> 20 {
      output += pattern[(mib % 4) << 20..<((mib % 4) + 1) << 20]
      let stamp = withUnsafeBytes(of: UInt64(mib)) { Array($0) }
      for page in stride(from: mib << 20, to: (mib + 1) << 20, by: 4096) {
        output.replaceSubrange(page..<page + 8, with: stamp)
      }
    }
    return output
  }
}
