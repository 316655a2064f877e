import AsyncHTTPClient
import Foundation
import NIOCore
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport
import Testing

/// Basic (htpasswd) and Bearer (token server) auth against real registries.
@Suite struct RegistryAuthTests {
  let env: IntegrationEnvironment

  init() throws {
    env = try IntegrationEnvironment.current()
  }

  @Test func basicAuthPushAndPull() async throws {
    let image = try LocalImage(layerSizes: [50_000], seed: 21)
    let repo = IntegrationEnvironment.uniqueRepository("basic")
    try await withRegistry(env.basicRegistry, credentials: env.basicCredentials) { client in
      try await client.ping()
      _ = try await image.push(to: client, repository: repo)
      #expect(try await client.manifest(repository: repo, reference: "t").bytes == image.manifest.bytes)
    }
    try await expectUnauthorized(env.basicRegistry, credentials: nil, repo: repo)
    try await expectUnauthorized(
      env.basicRegistry, credentials: RegistryCredentials(username: env.basicCredentials.username, password: "wrong"),
      repo: repo)
  }

  @Test func bearerTokenPushAndPullWithCachedTokens() async throws {
    let image = try LocalImage(layerSizes: [50_000, 60_000], seed: 22)
    let repo = IntegrationEnvironment.uniqueRepository("bearer")
    let before = try await env.tokensIssued(to: env.tokenCredentials.username)
    try await withRegistry(env.tokenRegistry, credentials: env.tokenCredentials) { client in
      _ = try await image.push(to: client, repository: repo)
      for _ in 0..<5 {
        #expect(try await client.manifest(repository: repo, reference: "t").bytes == image.manifest.bytes)
      }
      let layer = try #require(image.layers.first)
      let slice = try await client.blob(repository: repo, digest: layer.digest, range: 10..<20)
      #expect(slice == (try image.bytes(layer)).subdata(in: 10..<20))
    }
    // One token per scope (push, pull), not one per request.
    let issued = try await env.tokensIssued(to: env.tokenCredentials.username) - before
    #expect(issued >= 1 && issued <= 4, "token server issued \(issued) tokens for ~15 requests")
    try await expectUnauthorized(env.tokenRegistry, credentials: nil, repo: repo)
    do {
      try await withRegistry(
        env.tokenRegistry, credentials: RegistryCredentials(username: env.tokenCredentials.username, password: "wrong")
      ) { client in
        _ = try await client.manifest(repository: repo, reference: "t")
      }
      Issue.record("expected the token service to refuse")
    } catch let error as RegistryError {
      #expect(error.kind == .tokenService)
      #expect(error.status == 401)
      #expect(!error.description.contains("wrong"))
    }
  }

  private func expectUnauthorized(_ registry: String, credentials: RegistryCredentials?, repo: String) async throws {
    do {
      try await withRegistry(registry, credentials: credentials) { client in
        _ = try await client.manifest(repository: repo, reference: "t")
      }
      Issue.record("expected 401 from \(registry)")
    } catch let error as RegistryError {
      #expect(error.kind == .unauthorized, "\(error)")
      #expect(error.status == 401)
      #expect(error.description.contains(registry))
      if let password = credentials?.password { #expect(!error.description.contains(password)) }
    }
  }
}

/// Redirects to a storage backend (another origin) are followed without credentials.
@Suite struct RegistryRedirectTests {
  @Test func blobRedirectDropsCredentials() async throws {
    let env = try IntegrationEnvironment.current()
    let image = try LocalImage(layerSizes: [70_000], seed: 51)
    let repo = IntegrationEnvironment.uniqueRepository("redirect")
    try await withRegistry(env.basicRegistry, credentials: env.basicCredentials) { client in
      _ = try await image.push(to: client, repository: repo)
    }
    try await withRegistry(env.registry) { client in _ = try await image.push(to: client, repository: repo) }
    // front: the authenticated registry, redirecting blob reads; backend: sees what arrives.
    let backend = try await FaultProxy(upstream: "http://\(env.registry)")
    let front = try await FaultProxy(upstream: "http://\(env.basicRegistry)")
    front.add(.init(method: "GET", pathContains: "/blobs/", fault: .redirect(toBase: "http://\(backend.address)")))
    let layer = try #require(image.layers.first)
    let scratch = try TemporaryDirectory()
    let file = scratch.url.appending(path: "blob")
    try await withRegistry(front.address, credentials: env.basicCredentials) { client in
      _ = try await client.manifest(repository: repo, reference: "t")  // learns the Basic challenge
      try await client.downloadBlob(repository: repo, descriptor: layer, to: file)
    }
    #expect(try Data(contentsOf: file) == (try image.bytes(layer)))
    #expect(front.requests.contains { $0.contains("/blobs/") && $0.hasSuffix("+auth") })
    let backendBlobReads = backend.requests.filter { $0.contains("/blobs/") }
    #expect(backendBlobReads.count == 1)
    #expect(backendBlobReads.allSatisfy { !$0.hasSuffix("+auth") }, "\(backendBlobReads)")
    try await front.shutdown()
    try await backend.shutdown()
  }
}
