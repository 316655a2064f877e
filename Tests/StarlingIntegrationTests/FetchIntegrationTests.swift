import Foundation
import StarlingCache
import StarlingConvert
import StarlingFetch
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport
import Testing

/// The fetcher against the real registry and the on-disk chunk store: files read through
/// it match the original image, a restarted fetcher over the same store needs no network,
/// and a source that flips bits is caught with the registry serving instead.
@Suite(.serialized) struct FetchIntegrationTests {
  @Test func fetcherServesTheOriginalBytesAndCachesThemOnDisk() async throws {
    let converted = try ConvertedFixture("python", repositoryPrefix: "fetch")
    let (env, repo, scratch, original) = (converted.env, converted.repository, converted.scratch, converted.original)
    let proxy = try await FaultProxy(upstream: "http://\(env.registry)")
    defer { Task { try? await proxy.shutdown() } }
    proxy.add(.init(method: "GET", pathContains: "/blobs/", fault: .corrupt(at: 100)))

    try await withRegistry(env.registry) { client in
      try await withRegistry(proxy.address) { liarClient in
        let image = RegistryImage(
          client: client, reference: ImageReference(registry: env.registry, repository: repo, tag: "1"))
        let liar = RegistryImage(
          client: liarClient, reference: ImageReference(registry: proxy.address, repository: repo, tag: "1"))
        guard case .manifest(let manifest) = try await image.resolveRoot().content else {
          Issue.record("expected a manifest")
          return
        }
        // The numpy layer (4th): read its largest file and a few small ones.
        let layer = manifest.layers[3]
        let index = try await StarlingLayerReader(source: image, layer: layer).index
        var files: [(UInt32, String, UInt64)] = []
        for i in 0..<index.entryCount {
          let record = try index.entry(i)
          if record.isRegular && record.size > 0 { files.append((i, try index.path(of: i), record.size)) }
        }
        let picks =
          [try #require(files.max { $0.2 < $1.2 })] + files.filter { $0.1.hasSuffix("__init__.py") }.prefix(10)
        let store = try DiskChunkStore(directory: scratch.url.appending(path: "cache"), maxBytes: 1 << 30)
        let sources: [any ChunkSource] = [
          RangeReaderChunkSource(name: "liar", reader: liar), RangeReaderChunkSource(name: "registry", reader: image),
        ]
        let fetcher = ChunkFetcher(layer: layer, index: index, store: store, sources: sources)
        for (entry, path, size) in picks {
          let bytes = try await fetcher.read(entry: entry, range: 0..<size)
          #expect(Data(bytes) == (try Data(contentsOf: original.appending(path: path))), "\(path)")
        }
        let first = await fetcher.statistics
        #expect(first.corruptFrames >= 1)
        #expect(first.cacheMisses > 0)
        // A new store instance on the same directory: a restarted daemon reads from disk.
        let reopened = try DiskChunkStore(directory: scratch.url.appending(path: "cache"), maxBytes: 1 << 30)
        let offline: [any ChunkSource] = []
        let restarted = ChunkFetcher(layer: layer, index: index, store: reopened, sources: offline)
        for (entry, path, size) in picks {
          let bytes = try await restarted.read(entry: entry, range: 0..<size)
          #expect(Data(bytes) == (try Data(contentsOf: original.appending(path: path))), "\(path)")
        }
        let second = await restarted.statistics
        #expect(second.requests == 0 && second.cacheHits > 0)
        print(
          "fetch: \(picks.count) files, \(first.requests) range requests, \(first.bytesFetched) bytes (incl. corrupt attempts), \(first.corruptFrames) corrupt frames rejected; restart: \(second.cacheHits) frames from disk, 0 requests"
        )
      }
    }
  }
}
