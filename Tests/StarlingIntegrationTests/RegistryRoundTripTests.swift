import Foundation
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport
import Testing

/// Against Debian's docker-registry started by Tools/registry.sh.
@Suite struct RegistryRoundTripTests {
  let env: IntegrationEnvironment

  init() throws {
    env = try IntegrationEnvironment.current()
  }

  @Test func pushThenPullByTagAndDigest() async throws {
    let image = try LocalImage()
    let repo = IntegrationEnvironment.uniqueRepository("roundtrip")
    try await withRegistry(env.registry) { client in
      let report = try await image.push(to: client, repository: repo)
      #expect(report.blobs[.copied] == 3)
      #expect(report.root.digest == image.manifest.descriptor.digest)
      let byTag = try await client.manifest(repository: repo, reference: "t")
      #expect(byTag.bytes == image.manifest.bytes)
      let byDigest = try await client.manifest(
        repository: repo, reference: image.manifest.descriptor.digest.description)
      #expect(byDigest.bytes == image.manifest.bytes)
      let head = try await client.headManifest(repository: repo, reference: "t")
      #expect(head.digest == image.manifest.descriptor.digest)
      #expect(head.size == image.manifest.descriptor.size)
      let scratch = try TemporaryDirectory()
      for layer in image.layers {
        let file = scratch.url.appending(path: layer.digest.encoded)
        try await client.downloadBlob(repository: repo, descriptor: layer, to: file)
        #expect(try Data(contentsOf: file) == (try image.bytes(layer)))
      }
    }
  }

  @Test func chunkedUploadStoresTheSameBlobs() async throws {
    let image = try LocalImage(layerSizes: [2_500_000, 10], seed: 11)
    let repo = IntegrationEnvironment.uniqueRepository("chunked")
    try await withRegistry(env.registry) { client in
      let report = try await image.push(to: client, repository: repo, chunkSize: 1 << 20)
      #expect(report.blobs[.copied] == 3)
      for layer in image.layers {
        #expect(try await client.blobSize(repository: repo, digest: layer.digest) == layer.size)
        let data = try await client.blob(repository: repo, descriptor: layer)
        #expect(data == (try image.bytes(layer)))
      }
    }
  }

  @Test func rangeReadsMatchTheBlobByteForByte() async throws {
    let image = try LocalImage(layerSizes: [1_000_003], seed: 3)
    let repo = IntegrationEnvironment.uniqueRepository("range")
    let layer = try #require(image.layers.first)
    let whole = try image.bytes(layer)
    try await withRegistry(env.registry) { client in
      _ = try await image.push(to: client, repository: repo)
      for range: Range<Int64> in [0..<1, 0..<4096, 524_288..<655_360, 999_000..<1_000_003, 1_000_002..<1_000_003] {
        let slice = try await client.blob(repository: repo, digest: layer.digest, range: range)
        #expect(slice == whole.subdata(in: Int(range.lowerBound)..<Int(range.upperBound)), "range \(range)")
      }
      await #expect(throws: RegistryError.self) {
        _ = try await client.blob(repository: repo, digest: layer.digest, range: 2_000_000..<2_000_010)
      }
    }
  }

  @Test func crossRepositoryMountAvoidsUpload() async throws {
    let image = try LocalImage(seed: 5)
    let first = IntegrationEnvironment.uniqueRepository("mount-a")
    let second = IntegrationEnvironment.uniqueRepository("mount-b")
    try await withRegistry(env.registry) { client in
      _ = try await image.push(to: client, repository: first)
      let source = RegistryImage(
        client: client, reference: ImageReference(registry: env.registry, repository: first, tag: "t"))
      let destination = RegistryImage(
        client: client, reference: ImageReference(registry: env.registry, repository: second, tag: "x"))
      let report = try await ImageCopier().copy(from: source, to: destination)
      #expect(report.blobs[.mounted] == 3)
      #expect(report.bytesCopied == 0)
      #expect(try await client.manifest(repository: second, reference: "x").bytes == image.manifest.bytes)
    }
  }

  @Test func missingContentIsNotFoundAndNamesIt() async throws {
    let repo = IntegrationEnvironment.uniqueRepository("missing")
    try await withRegistry(env.registry) { client in
      do {
        _ = try await client.manifest(repository: repo, reference: "no-such-tag")
        Issue.record("expected not found")
      } catch let error as RegistryError {
        #expect(error.kind == .notFound)
        #expect(error.status == 404)
        #expect(error.description.contains(env.registry))
        #expect(error.description.contains(repo))
        #expect(error.description.contains("no-such-tag"))
      }
      let ghost = Descriptor(mediaType: MediaType.ociLayerTarGzip, bytes: Data("ghost".utf8))
      let scratch = try TemporaryDirectory()
      let file = scratch.url.appending(path: "ghost")
      do {
        try await client.downloadBlob(repository: repo, descriptor: ghost, to: file)
        Issue.record("expected not found")
      } catch let error as RegistryError {
        #expect(error.kind == .notFound)
        #expect(error.description.contains(ghost.digest.description))
      }
      #expect(!FileManager.default.fileExists(atPath: file.path))
      #expect(try await client.blobSize(repository: repo, digest: ghost.digest) == nil)
    }
  }
}
