import AsyncHTTPClient
import Foundation
import StarlingOCI
import StarlingRegistry

/// Opens an `ImageLocation` as a source/destination; one place for every command.
struct ImageEndpoint {
  let source: any ImageSource
  let destination: any ImageDestination
  let rangeReader: any BlobRangeReader

  init(_ location: ImageLocation, http: HTTPClient, config: RegistryConfiguration, create: Bool, chunkSize: Int? = nil)
    throws
  {
    switch location {
    case .registry(let ref):
      let image = RegistryImage(
        client: RegistryClient(registry: ref.registry, http: http, configuration: config), reference: ref,
        chunkSize: chunkSize)
      (source, destination, rangeReader) = (image, image, image)
    case .layout(let path, let tag):
      let image = try LayoutImage(path: URL(fileURLWithPath: path), tag: tag, create: create)
      (source, destination, rangeReader) = (image, image, image)
    }
  }
}

extension RegistryOptions {
  /// One image named on the command line: where it is, its own `user:password` (if any),
  /// and whether it may be created (a destination layout).
  struct EndpointSpec {
    var argument: String
    var credentials: String? = nil
    var create = false
  }

  /// Parses the locations, builds one registry configuration and HTTP client for all of
  /// them, and runs `body` with their endpoints; the client is shut down afterwards.
  func withEndpoints<T>(
    _ specs: [EndpointSpec], uploadChunkSize: Int? = nil, _ body: ([ImageEndpoint]) async throws -> T
  ) async throws -> T {
    let locations = try specs.map { try ImageLocation(parsing: $0.argument) }
    let config = try configuration(for: zip(locations, specs).map { ($0, $1.credentials) })
    return try await RegistryClient.withHTTPClient(configuration: config) { http in
      let endpoints = try zip(locations, specs).map { location, spec in
        try ImageEndpoint(location, http: http, config: config, create: spec.create, chunkSize: uploadChunkSize)
      }
      return try await body(endpoints)
    }
  }
}

/// Parses an optional `--platform` value.
func parsePlatform(_ value: String?) throws -> Platform? {
  try value.map { p throws(OCIError) in try Platform(parsing: p) }
}
