import Foundation
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport
import Testing

/// Faults injected by a proxy in front of the real registry.
@Suite struct RegistryFaultTests {
  let env: IntegrationEnvironment

  init() throws {
    env = try IntegrationEnvironment.current()
  }

  /// Pushes a fresh image directly, then runs `body` against a fault proxy in front of it.
  private func withProxiedImage(
    seed: UInt64, _ body: (FaultProxy, RegistryClient, LocalImage, String) async throws -> Void
  ) async throws {
    let image = try LocalImage(layerSizes: [400_000], seed: seed)
    let repo = IntegrationEnvironment.uniqueRepository("fault")
    try await withRegistry(env.registry) { client in _ = try await image.push(to: client, repository: repo) }
    let proxy = try await FaultProxy(upstream: "http://\(env.registry)")
    do {
      try await withRegistry(proxy.address) { client in try await body(proxy, client, image, repo) }
      try await proxy.shutdown()
    } catch {
      try? await proxy.shutdown()
      throw error
    }
  }

  @Test func transientServerErrorsAreRetried() async throws {
    try await withProxiedImage(seed: 31) { proxy, client, image, repo in
      proxy.add(.init(pathContains: "/manifests/", fault: .status(503), times: 2))
      let document = try await client.manifest(repository: repo, reference: "t")
      #expect(document.bytes == image.manifest.bytes)
      #expect(proxy.requests.filter { $0.contains("/manifests/") }.count == 3)
    }
  }

  @Test func persistentServerErrorsFailClearly() async throws {
    try await withProxiedImage(seed: 32) { proxy, client, _, repo in
      proxy.add(.init(pathContains: "/manifests/", fault: .status(500)))
      do {
        _ = try await client.manifest(repository: repo, reference: "t")
        Issue.record("expected failure")
      } catch let error as RegistryError {
        #expect(error.status == 500)
        #expect(error.description.contains("after 3 attempts"))
        #expect(error.description.contains(repo))
        #expect(error.description.contains("UNAVAILABLE"))
      }
    }
  }

  @Test func brokenDownloadResumesAndVerifies() async throws {
    try await withProxiedImage(seed: 33) { proxy, client, image, repo in
      let layer = try #require(image.layers.first)
      proxy.add(.init(method: "GET", pathContains: "/blobs/\(layer.digest)", fault: .cutBody(after: 150_000), times: 1))
      let scratch = try TemporaryDirectory()
      let file = scratch.url.appending(path: "blob")
      try await client.downloadBlob(repository: repo, descriptor: layer, to: file)
      #expect(try Data(contentsOf: file) == (try image.bytes(layer)))
      #expect(proxy.requests.filter { $0.contains("/blobs/") }.count == 2)
    }
  }

  @Test func brokenRangeAndManifestBodiesAreFetchedAgain() async throws {
    try await withProxiedImage(seed: 36) { proxy, client, image, repo in
      let layer = try #require(image.layers.first)
      proxy.add(.init(method: "GET", pathContains: "/blobs/", fault: .cutBody(after: 1000), times: 1))
      proxy.add(.init(method: "GET", pathContains: "/manifests/", fault: .cutBody(after: 10), times: 1))
      let slice = try await client.blob(repository: repo, digest: layer.digest, range: 5000..<90_000)
      #expect(slice == (try image.bytes(layer)).subdata(in: 5000..<90_000))
      #expect(try await client.manifest(repository: repo, reference: "t").bytes == image.manifest.bytes)
      #expect(proxy.requests.filter { $0.contains("/blobs/") }.count == 2)
      // Always broken: a clear transport error after the retries.
      proxy.add(.init(method: "GET", pathContains: "/blobs/", fault: .cutBody(after: 1000)))
      do {
        _ = try await client.blob(repository: repo, digest: layer.digest, range: 0..<50_000)
        Issue.record("expected failure")
      } catch let error as RegistryError {
        #expect(error.kind == .transport)
        #expect(error.description.contains("broke off after 3 attempts"))
      }
    }
  }

  @Test func registryDyingMidDownloadLeavesNoPartialFile() async throws {
    try await withProxiedImage(seed: 34) { proxy, client, image, repo in
      let layer = try #require(image.layers.first)
      proxy.add(.init(method: "GET", pathContains: "/blobs/", fault: .cutBody(after: 100_000)))
      let scratch = try TemporaryDirectory()
      let file = scratch.url.appending(path: "blob")
      do {
        try await client.downloadBlob(repository: repo, descriptor: layer, to: file)
        Issue.record("expected failure")
      } catch let error as RegistryError {
        #expect(error.kind == .transport)
        #expect(error.description.contains(layer.digest.description))
        #expect(error.description.contains("after 3 attempts"))
      }
      #expect(!FileManager.default.fileExists(atPath: file.path))
      #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
    }
  }

  @Test func corruptedBlobIsRejectedAndNotKept() async throws {
    try await withProxiedImage(seed: 35) { proxy, client, image, repo in
      let layer = try #require(image.layers.first)
      proxy.add(.init(method: "GET", pathContains: "/blobs/", fault: .corrupt(at: 12_345)))
      let scratch = try TemporaryDirectory()
      let file = scratch.url.appending(path: "blob")
      do {
        try await client.downloadBlob(repository: repo, descriptor: layer, to: file)
        Issue.record("expected digest mismatch")
      } catch let error as RegistryError {
        #expect(error.kind == .integrity)
        #expect(error.description.contains("expected \(layer.digest)"))
      }
      #expect(!FileManager.default.fileExists(atPath: file.path))
      // A corrupted manifest is caught the same way when fetched by digest.
      proxy.add(.init(method: "GET", pathContains: "/manifests/", fault: .corrupt(at: 3)))
      await #expect(throws: RegistryError.self) {
        _ = try await client.manifest(repository: repo, reference: image.manifest.descriptor.digest.description)
      }
    }
  }
}
