import AsyncHTTPClient
import Foundation
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport

/// Fast retries so failure-path tests finish quickly.
let fastRetry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(20), maxDelay: .milliseconds(100))

/// Runs `body` with a client of `registry`.
func withRegistry<T>(
  _ registry: String, credentials: RegistryCredentials? = nil, retry: RetryPolicy = fastRetry,
  _ body: (RegistryClient) async throws -> T
) async throws -> T {
  let provider = StaticCredentials(credentials.map { [registry: $0] } ?? [:])
  let config = RegistryConfiguration(credentials: provider, retry: retry)
  return try await RegistryClient.withHTTPClient(configuration: config) { http in
    try await body(RegistryClient(registry: registry, http: http, configuration: config))
  }
}

/// A synthetic image in a fresh layout, plus the layout's bytes for comparisons.
struct LocalImage {
  let directory: TemporaryDirectory
  let layout: OCILayout
  let manifest: ManifestDocument

  init(layerSizes: [Int] = [3 << 20, 100_000], seed: UInt64 = 7) throws {
    directory = try TemporaryDirectory()
    layout = try OCILayout(at: directory.url.appending(path: "layout"), create: true)
    manifest = try TestImage.write(into: layout, tag: "t", layerSizes: layerSizes, seed: seed)
  }

  var source: LayoutImage { get throws { try LayoutImage(path: layout.root, tag: "t", create: false) } }

  var layers: [Descriptor] {
    guard case .manifest(let m) = manifest.content else { return [] }
    return m.layers
  }

  func bytes(_ descriptor: Descriptor) throws -> Data { try Data(contentsOf: layout.blobURL(descriptor.digest)) }

  /// Pushes the image to `registry/repository:tag`.
  func push(
    to client: RegistryClient, repository: String, tag: String = "t", chunkSize: Int? = nil
  ) async throws -> ImageCopier.Report {
    let destination = RegistryImage(
      client: client, reference: ImageReference(registry: client.registry, repository: repository, tag: tag),
      chunkSize: chunkSize)
    return try await ImageCopier().copy(from: try source, to: destination)
  }
}
