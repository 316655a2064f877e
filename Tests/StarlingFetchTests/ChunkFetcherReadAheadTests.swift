import Foundation
import StarlingCache
import StarlingFormat
import Testing

@testable import StarlingFetch

/// Read-ahead of opened files, in the background. The first frame is left to the reader
/// (it asks for it at once), so read-ahead covers the rest.
@Suite struct ChunkFetcherReadAheadTests {
  let layer: ConvertedLayer
  let big: UInt32
  let content: [UInt8]

  init() throws { (layer, big, content) = try ConvertedLayer.sharedBigFile() }

  let mib: UInt64 = 1 << 20
  var size: UInt64 { UInt64(content.count) }

  func fetcher(
    _ source: MemorySource, store: MemoryStore,
    options: ChunkFetcher.Options = .init(denseFraction: 0, denseCoverage: 0, neighborBytes: 0)
  ) -> ChunkFetcher {
    ChunkFetcher(layer: layer.descriptor, index: layer.index, store: store, sources: [source], options: options)
  }

  @Test func fillsTheStoreWithExactlyTheFilesFrames() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = fetcher(source, store: store)
    await fetcher.readAhead(entry: big)
    await fetcher.readAhead(entry: big)  // opened twice: read ahead once
    await fetcher.waitForReadAhead()
    #expect(await store.keys == (try layer.frameKeys("big.bin", range: mib..<size)))
    #expect(await source.requests.count == 1)
    let stats = await fetcher.statistics
    #expect(stats.readAheadFrames == 3 && stats.cacheMisses == 3, "\(stats)")
    // The first frame comes with the first read; the rest stayed decoded in memory.
    #expect(try await fetcher.read(entry: big, range: 0..<size) == content)
    #expect(await source.requests.count == 2)
    #expect(await fetcher.statistics.memoryHits == 3)
    // Another fetcher on the same store (another mount) finds everything there already.
    let again = self.fetcher(source, store: store)
    await again.readAhead(entry: big)
    await again.waitForReadAhead()
    #expect(await source.requests.count == 2)
  }

  @Test func anOnDemandReadJoinsTheReadAheadInFlight() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob, delay: .milliseconds(200))
    let store = MemoryStore()
    let fetcher = fetcher(source, store: store)
    await fetcher.readAhead(entry: big)
    #expect(try await fetcher.read(entry: big, range: 0..<size) == content)
    await fetcher.waitForReadAhead()
    // The reader's own request for the first frame, and the read-ahead it joined.
    #expect(await source.requests.count == 2)
    #expect(await store.keys == (try layer.frameKeys("big.bin")))
    // A reader joined, so the frames were kept in memory as well.
    #expect(try await fetcher.read(entry: big, range: 0..<size) == content)
    #expect(await fetcher.statistics.memoryHits == 4)
  }

  @Test func readsAheadOnlyTheConfiguredBytes() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = fetcher(
      source, store: store,
      options: .init(readAheadBytes: 2 << 20, denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    await fetcher.readAhead(entry: big)
    await fetcher.waitForReadAhead()
    let expected = try layer.frameKeys("big.bin", range: mib..<2 * mib)
    #expect(!expected.isEmpty && expected.count < 3)
    #expect(await store.keys == expected)
  }

  @Test func zeroBytesDisablesReadAhead() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = fetcher(
      source, store: store, options: .init(readAheadBytes: 0, denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    await fetcher.readAhead(entry: big)
    await fetcher.waitForReadAhead()
    #expect(await source.requests.isEmpty)
    #expect(await store.usage().entries == 0)
  }

  @Test func failuresAreSwallowed() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob, failures: .max)
    let fetcher = fetcher(
      source, store: MemoryStore(),
      options: .init(
        fetchTimeout: .milliseconds(300), retryDelay: .milliseconds(10), denseFraction: 0, denseCoverage: 0,
        neighborBytes: 0))
    await fetcher.readAhead(entry: big)
    await fetcher.readAhead(entry: try layer.entry("small"))  // a directory: ignored
    await fetcher.waitForReadAhead()
    let stats = await fetcher.statistics
    #expect(stats.retries >= 1 && stats.readAheadFrames == 0, "\(stats)")
  }

  @Test func cancellingStopsReadAheadThatWaitsForever() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob, delay: .seconds(3600))
    let fetcher = fetcher(
      source, store: MemoryStore(),
      options: .init(maxRequestBytes: 1 << 20, denseFraction: 0, denseCoverage: 0, neighborBytes: 0))
    await fetcher.readAhead(entry: big)
    try await Task.sleep(for: .milliseconds(50))
    #expect(await source.requests.count == 2)  // readAheadConcurrency
    let clock = ContinuousClock()
    let start = clock.now
    await fetcher.cancelReadAhead()
    await fetcher.waitForReadAhead()
    #expect(start.duration(to: clock.now) < .seconds(5))
    #expect(await source.requests.count == 2)
  }

  @Test func onDemandReadsGoAheadOfQueuedReadAhead() async throws {
    // One request slot, held by read-ahead's first run while its second run waits: an
    // on-demand read that comes later still goes next.
    let source = MemorySource(name: "registry", blob: layer.blob, gated: true)
    let fetcher = fetcher(
      source, store: MemoryStore(),
      options: .init(
        maxRequestBytes: 1 << 20, maxConcurrentRequests: 1, denseFraction: 0, denseCoverage: 0, neighborBytes: 0)
    )
    await fetcher.readAhead(entry: big)
    while await source.requests.isEmpty || fetcher.limiter.snapshot.background < 1 {
      try await Task.sleep(for: .milliseconds(1))
    }
    let small = try layer.entry("small/f1.txt")
    let reader = Task { try await fetcher.read(entry: small, range: 0..<5) }
    while fetcher.limiter.snapshot.urgent < 1 { try await Task.sleep(for: .milliseconds(1)) }
    await source.open()
    #expect(try await reader.value == Array(layer.files["small/f1.txt"]?.prefix(5) ?? []))
    await fetcher.waitForReadAhead()
    let requests = await source.requests
    #expect(requests.count == 4, "\(requests)")
    #expect(requests.first == (try blobRange(of: "big.bin", at: mib)))
    #expect(requests.dropFirst().first == (try blobRange(of: "small/f1.txt")))
  }

  /// The blob range of the frame holding a file's first byte.
  func blobRange(of path: String, at offset: UInt64 = 0) throws -> Range<Int64> {
    let slice = try #require(
      try layer.index.chunks(of: layer.index.entry(try layer.entry(path)), range: offset..<offset + 1).first)
    let frame = try layer.index.frame(slice.frame.canonical)
    return Int64(frame.blobOffset)..<Int64(frame.blobOffset) + Int64(frame.compressedSize)
  }
}

/// Dense reads (lazy loading's worst case): once on-demand fetches reach `denseFraction` of
/// the blob, the rest of the layer comes in the background in large requests.
@Suite struct ChunkFetcherDenseTests {
  let layer: ConvertedLayer
  let big: UInt32
  let content: [UInt8]

  init() throws { (layer, big, content) = try ConvertedLayer.sharedBigFile() }

  @Test func denseReadsFetchTheRestOfTheLayerInTheBackground() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [source],
      options: .init(maxRequestBytes: 8 << 20, readAheadBytes: 0, denseFraction: 0.2))
    // One 1 MiB frame of a ~3.1 MiB blob: past 20%, so everything else is queued at once.
    #expect(try await fetcher.read(entry: big, range: 0..<16) == Array(content[0..<16]))
    #expect(await fetcher.fetchesWholeLayer)
    await fetcher.waitForReadAhead()
    var expected: Set<ChunkKey> = []
    for i in 0..<layer.index.frameCount {
      let frame = try layer.index.frame(i)
      if frame.canonical == i { expected.insert(ChunkKey(digest: frame.digest, size: frame.uncompressedSize)) }
    }
    #expect(await store.keys == expected)
    // In large requests: big.bin's first frame on demand, then the rest in the two runs
    // around it (the small frame before it, everything after it).
    let requests = await source.requests
    #expect(requests.count == 3, "\(requests)")
    // No byte is fetched twice.
    let sorted = requests.sorted { $0.lowerBound < $1.lowerBound }
    #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound })
    // Every later read is served without the source.
    let size = UInt64(content.count)
    #expect(try await fetcher.read(entry: big, range: 0..<size) == content)
    #expect(await source.requests.count == 3)
  }

  @Test func readsCoveringTheRangeTheySpanAreDenseBeforeTheFraction() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [source],
      options: .init(
        readAheadBytes: 0, denseFraction: 0.95, denseCoverage: 0.5, denseMinBytes: 2 << 20, neighborBytes: 0))
    // One frame: under denseMinBytes. The next one, adjacent: 2 MiB covering all they span.
    _ = try await fetcher.read(entry: big, range: 0..<16)
    #expect(await !fetcher.fetchesWholeLayer)
    _ = try await fetcher.read(entry: big, range: (1 << 20)..<(1 << 20) + 16)
    #expect(await fetcher.fetchesWholeLayer)
    await fetcher.waitForReadAhead()
    #expect(await store.keys.isSuperset(of: try layer.frameKeys("big.bin")))
    #expect(await fetcher.statistics.wholeLayerFetches == 1)
  }

  @Test func sparseReadsStayOnDemand() async throws {
    let source = MemorySource(name: "registry", blob: layer.blob)
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: MemoryStore(), sources: [source],
      options: .init(readAheadBytes: 0, denseFraction: 0.9, neighborBytes: 0))
    _ = try await fetcher.read(entry: big, range: 0..<16)
    _ = try await fetcher.read(entry: big, range: (2 << 20)..<(2 << 20) + 16)
    await fetcher.waitForReadAhead()
    #expect(await !fetcher.fetchesWholeLayer)
    #expect(await source.requests.count == 2)
  }
}

/// Files stored together are read together: an on-demand fetch brings the blob's next
/// `neighborBytes` along in the background.
@Suite struct ChunkFetcherNeighborTests {
  @Test func anOnDemandFetchBringsTheNextFramesAlong() async throws {
    let layer = try ConvertedLayer.shared()
    let source = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: [source],
      options: .init(readAheadBytes: 0, denseFraction: 0, denseCoverage: 0, neighborBytes: 1 << 20))
    let big = try layer.entry("big.bin")
    let content = try #require(layer.files["big.bin"])
    #expect(try await fetcher.read(entry: big, range: 0..<16) == Array(content[0..<16]))
    await fetcher.waitForReadAhead()
    // big.bin's first frame on demand, its second (the next MiB of the blob) in the background.
    let firstTwo = try layer.frameKeys("big.bin", range: 0..<(2 << 20))
    let third = try layer.frameKeys("big.bin", range: (2 << 20)..<(2 << 20) + 1)
    #expect(firstTwo.count == 2)
    #expect(await store.keys.isSuperset(of: firstTwo))
    #expect(await store.keys.isDisjoint(with: third))
    let requests = await source.requests
    #expect(requests.count == 2, "\(requests)")
    // Reading the second frame now needs no request.
    _ = try await fetcher.read(entry: big, range: (1 << 20)..<(1 << 20) + 16)
    #expect(await source.requests.count == 2)
  }
}
