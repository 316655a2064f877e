import Foundation
import StarlingCache
import StarlingCompression
import StarlingFetch
import StarlingFormat
import Testing

/// Sources that fail: the fetcher backs off and retries until its deadline, and only then
/// reports the data unavailable.
@Suite struct ChunkFetcherRetryTests {
  let layer: ConvertedLayer
  let big: UInt32
  let content: [UInt8]

  init() throws { (layer, big, content) = try ConvertedLayer.sharedBigFile() }

  func fetcher(_ sources: [any ChunkSource], store: MemoryStore = MemoryStore(), timeout: Duration) -> ChunkFetcher {
    ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: store, sources: sources,
      options: .init(
        fetchTimeout: timeout, retryDelay: .milliseconds(10), maxRetryDelay: .milliseconds(40), denseFraction: 0,
        denseCoverage: 0, neighborBytes: 0))
  }

  @Test func aSourceThatComesBackBeforeTheDeadlineServesTheRead() async throws {
    let flaky = MemorySource(name: "registry", blob: layer.blob, failures: 3)
    let fetcher = fetcher([flaky], timeout: .seconds(20))
    #expect(try await fetcher.read(entry: big, range: 0..<4096) == Array(content[0..<4096]))
    let stats = await fetcher.statistics
    // One source, one run: each failed request is one round, followed by one retry.
    #expect(stats.retries == 3, "\(stats)")
    #expect(stats.requests == 4 && stats.cacheMisses == 1, "\(stats)")
  }

  @Test func aSourceThatStaysDownFailsTheReadAfterTheTimeout() async throws {
    let down = MemorySource(name: "registry", blob: layer.blob, failures: .max)
    let store = MemoryStore()
    // Long enough for a retry even on a loaded machine.
    let fetcher = fetcher([down], store: store, timeout: .seconds(1))
    let clock = ContinuousClock()
    let start = clock.now
    do {
      _ = try await fetcher.read(entry: big, range: 0..<4096)
      Issue.record("the read should have failed")
    } catch FetchError.unavailable(_, let range, let failures) {
      #expect(range.lowerBound >= 0 && !failures.isEmpty)
    }
    let elapsed = start.duration(to: clock.now)
    #expect(elapsed >= .seconds(1), "\(elapsed)")
    #expect(elapsed < .seconds(5), "\(elapsed)")
    #expect(await fetcher.statistics.retries >= 1)
    #expect(await store.usage().entries == 0)
    // Back up: the next read fetches afresh (a failed fetch is not remembered).
    await down.setDown(false)
    #expect(try await fetcher.read(entry: big, range: 0..<4096) == Array(content[0..<4096]))
  }

  @Test func aReadOfFramesThatJustTimedOutSharesTheirDeadline() async throws {
    // The kernel follows a failed read-ahead with a read of the same pages: the reader must
    // get its error one timeout after the outage began, not two.
    let down = MemorySource(name: "registry", blob: layer.blob, failures: .max)
    let fetcher = fetcher([down], timeout: .milliseconds(600))
    let clock = ContinuousClock()
    await #expect(throws: FetchError.self) { _ = try await fetcher.read(entry: big, range: 0..<4096) }
    let start = clock.now
    await #expect(throws: FetchError.self) { _ = try await fetcher.read(entry: big, range: 0..<4096) }
    let again = start.duration(to: clock.now)
    #expect(again < .milliseconds(400), "\(again)")
    // Still one attempt: a source that is back serves it at once.
    await down.setDown(false)
    #expect(try await fetcher.read(entry: big, range: 0..<4096) == Array(content[0..<4096]))
  }

  @Test func aLyingSourceIsNeverServedOrStoredAndTheNextSourceIs() async throws {
    let liar = MemorySource(name: "peer", blob: layer.blob, corrupt: true)
    let registry = MemorySource(name: "registry", blob: layer.blob)
    let store = MemoryStore()
    let fetcher = fetcher([liar, registry], store: store, timeout: .seconds(20))
    let size = UInt64(content.count)
    #expect(try await fetcher.read(entry: big, range: 0..<size) == content)
    let stats = await fetcher.statistics
    // The liar flips one byte in the middle of the run: exactly one frame fails, and only
    // that frame is asked of the registry; no round had to be retried.
    #expect(stats.corruptFrames == 1 && stats.retries == 0, "\(stats)")
    #expect(await registry.requests.count == 1)
    #expect(await store.keys == (try layer.frameKeys("big.bin")))
    for (key, frame) in await store.entries {
      let decoded = try ZstdDecompressor().decompressFrame(frame, expectedSize: Int(key.size))
      #expect(Digest.sha256(of: decoded) == key.digest)
    }
  }

  @Test func aDeadMirrorIsSkippedForAWhileAndTriedAgainAfter() async throws {
    let mirror = MemorySource(name: "mirror", blob: layer.blob, failures: .max)
    let registry = MemorySource(name: "registry", blob: layer.blob)
    let fetcher = ChunkFetcher(
      layer: layer.descriptor, index: layer.index, store: MemoryStore(), sources: [mirror, registry],
      options: .init(
        memoryCacheBytes: 0, readAheadBytes: 0, sourceQuarantine: .milliseconds(1500), denseFraction: 0,
        denseCoverage: 0, neighborBytes: 0))
    let frames = try layer.frameKeys("big.bin").count
    try #require(frames >= 3)
    // Three reads of different frames: only the first asks the dead mirror.
    for n in 0..<3 {
      let offset = UInt64(n) * (1 << 20)
      #expect(
        try await fetcher.read(entry: big, range: offset..<offset + 10)
          == Array(content[Int(offset)..<Int(offset) + 10]))
    }
    #expect(await mirror.requests.count == 1)
    #expect(await registry.requests.count == 3)
    #expect(await fetcher.statistics.retries == 0)
    // After the quarantine the mirror is tried again (it may have come back).
    try await Task.sleep(for: .milliseconds(1600))
    let offset = UInt64(frames - 1) * (1 << 20)
    _ = try await fetcher.read(entry: big, range: offset..<offset + 1)
    #expect(await mirror.requests.count == 2)
  }

  @Test func theLastSourceIsNeverSkipped() async throws {
    let registry = MemorySource(name: "registry", blob: layer.blob, failures: 2)
    let fetcher = fetcher([registry], timeout: .seconds(20))
    #expect(try await fetcher.read(entry: big, range: 0..<16) == Array(content[0..<16]))
    #expect(await registry.requests.count == 3)
  }

  @Test func noSourcesFailsAtOnce() async throws {
    let fetcher = fetcher([], timeout: .seconds(30))
    let clock = ContinuousClock()
    let start = clock.now
    await #expect(throws: FetchError.self) { _ = try await fetcher.read(entry: big, range: 0..<1) }
    #expect(start.duration(to: clock.now) < .seconds(5))
  }
}
