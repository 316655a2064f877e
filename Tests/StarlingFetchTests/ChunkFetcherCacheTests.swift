import Foundation
import StarlingCache
import StarlingFetch
import StarlingFormat
import Testing

/// The decoded-frame memory cache and the bound on requests in flight.
@Suite struct ChunkFetcherCacheTests {
  let layer: ConvertedLayer
  let big: UInt32
  let content: [UInt8]

  init() throws { (layer, big, content) = try ConvertedLayer.sharedBigFile() }

  @Test func aFrameInMemoryIsServedWithoutTheStore() async throws {
    let store = MemoryStore()
    let source = MemorySource(name: "registry", blob: layer.blob)
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [source],
      options: .init(denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    // Eight kernel-sized reads of the first frame: one store lookup, one decode.
    for start in stride(from: 0, to: 1 << 20, by: 128 << 10) {
      let range = UInt64(start)..<UInt64(start + (128 << 10))
      #expect(try await fetcher.read(entry: big, range: range) == Array(content[start..<start + (128 << 10)]))
    }
    #expect(await store.gets == 1)
    #expect(await store.puts == 1)
    let stats = await fetcher.statistics
    #expect(stats.memoryHits == 7 && stats.cacheMisses == 1 && stats.cacheHits == 0, "\(stats)")
    #expect(stats.bytesServed == 1 << 20)
  }

  @Test func withoutTheMemoryCacheEveryReadGoesToTheStore() async throws {
    let store = MemoryStore()
    let source = MemorySource(name: "registry", blob: layer.blob)
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [source],
      options: .init(memoryCacheBytes: 0, denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    for _ in 0..<3 { #expect(try await fetcher.read(entry: big, range: 0..<4096) == Array(content[0..<4096])) }
    #expect(await store.gets == 3)
    let stats = await fetcher.statistics
    #expect(stats.memoryHits == 0 && stats.cacheHits == 2 && stats.cacheMisses == 1, "\(stats)")
  }

  @Test func requestsInFlightStayWithinTheLimit() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob, delay: .milliseconds(30))
    // 1 MiB requests: the big file alone needs four, and each small-file read one more.
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: MemoryStore(), sources: [source],
      options: .init(
        maxRequestBytes: 1 << 20, memoryCacheBytes: 0, maxConcurrentRequests: 2, denseFraction: 0, denseCoverage: 0,
        neighborBytes: 0))
    let small = try layer.entry("small/f3.txt")
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { _ = try await fetcher.read(entry: self.big, range: 0..<UInt64(self.content.count)) }
      group.addTask { _ = try await fetcher.read(entry: small, range: 0..<10) }
      try await group.waitForAll()
    }
    #expect(await source.maxInFlight == 2)
    #expect(await source.requests.count == 5)
  }

  @Test func unlimitedRequestsGoOutTogether() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob, delay: .milliseconds(30))
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: MemoryStore(), sources: [source],
      options: .init(maxRequestBytes: 1 << 20, denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    #expect(try await fetcher.read(entry: big, range: 0..<UInt64(content.count)) == content)
    #expect(await source.maxInFlight == 4)
  }
}
