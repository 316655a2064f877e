import Foundation
import StarlingCache
import StarlingFetch
import StarlingFormat
import Testing

@Suite struct ChunkFetcherTests {
  @Test func readsMatchTheFilesAndHitTheStoreTheSecondTime() async throws {
    let layer = try ConvertedLayer.shared()
    let source = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [source],
      options: .init(denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    for (path, content) in layer.files {
      let bytes = try await fetcher.read(entry: try layer.entry(path), range: 0..<UInt64(content.count))
      #expect(bytes == content, "\(path)")
    }
    let big = try layer.entry("big.bin")
    let slice = try await fetcher.read(entry: big, range: 1_000_000..<2_100_000)
    #expect(slice == Array(layer.files["big.bin"]![1_000_000..<2_100_000]))
    let before = await source.requests.count
    let stats = await fetcher.statistics
    // Everything again: served from memory, no new requests.
    for (path, content) in layer.files {
      #expect(try await fetcher.read(entry: try layer.entry(path), range: 0..<UInt64(content.count)) == content)
    }
    #expect(await source.requests.count == before)
    #expect(await fetcher.statistics.memoryHits > stats.memoryHits)
    #expect(await fetcher.statistics.bytesServed == stats.bytesServed + layer.files.values.reduce(0) { $0 + $1.count })
    // A new fetcher over the same store (a restarted daemon) needs no network either.
    let again = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [source],
      options: .init(denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    #expect(try await again.read(entry: big, range: 0..<100) == Array(layer.files["big.bin"]![0..<100]))
    #expect(await source.requests.count == before)
    await #expect(throws: FetchError.self) { _ = try await fetcher.read(entry: try layer.entry("small"), range: 0..<1) }
  }

  @Test func concurrentReadersShareOneFetchPerFrame() async throws {
    let layer = try ConvertedLayer.shared()
    let source = MemorySource(name: "registry", blob: layer.blob)
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: MemoryStore(), sources: [source],
      options: .init(denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    let big = try layer.entry("big.bin")
    let size = UInt64(layer.files["big.bin"]!.count)
    try await withThrowingTaskGroup(of: [UInt8].self) { group in
      for _ in 0..<20 { group.addTask { try await fetcher.read(entry: big, range: 0..<size) } }
      for try await bytes in group { #expect(bytes == layer.files["big.bin"]!) }
    }
    // The file's 4 chunk frames are adjacent: one coalesced request for all 20 readers.
    let requests = await source.requests
    #expect(requests.count == 1, "\(requests)")
    #expect(await fetcher.statistics.cacheMisses == 4)
  }

  @Test func coalescingRespectsTheRequestCap() async throws {
    let layer = try ConvertedLayer.shared()
    let source = MemorySource(name: "registry", blob: layer.blob)
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: MemoryStore(), sources: [source],
      options: .init(maxRequestBytes: 1 << 20, denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    let big = try layer.entry("big.bin")
    _ = try await fetcher.read(entry: big, range: 0..<UInt64(layer.files["big.bin"]!.count))
    // Random data does not compress: each ~1 MiB frame needs a request of its own.
    #expect(await source.requests.count == 4)
  }

  @Test func aLyingSourceIsCaughtAndTheNextSourceServes() async throws {
    let layer = try ConvertedLayer.shared()
    let liar = MemorySource(name: "peer", blob: layer.blob, corrupt: true)
    let registry = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [liar, registry],
      options: .init(denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    let big = try layer.entry("big.bin")
    let bytes = try await fetcher.read(entry: big, range: 0..<UInt64(layer.files["big.bin"]!.count))
    #expect(bytes == layer.files["big.bin"]!)
    #expect(await fetcher.statistics.corruptFrames >= 1)
    #expect(await registry.requests.count >= 1)
    // Only liars: the read fails once the deadline passes, nothing wrong is returned or stored.
    let empty = MemoryStore()
    let lonely = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: empty, sources: [liar],
      // Long enough for a retry even on a loaded machine.
      options: .init(
        fetchTimeout: .seconds(1), retryDelay: .milliseconds(10), denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    await #expect(throws: FetchError.self) { _ = try await lonely.read(entry: big, range: 0..<10) }
    #expect(await empty.usage().entries == 0)
    let lonelyStats = await lonely.statistics
    #expect(lonelyStats.corruptFrames >= 1 && lonelyStats.retries >= 1, "\(lonelyStats)")
    // A damaged store entry is dropped and fetched again.
    await store.damageAll()
    let healed = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [registry],
      options: .init(denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    #expect(try await healed.read(entry: big, range: 0..<4096) == Array(layer.files["big.bin"]![0..<4096]))
    #expect(await healed.statistics.corruptFrames >= 1)
  }
}
