public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// A client of one registry's Distribution API v2 (`/v2/…`), also used for peers, which
/// serve the same API.
///
/// Handles auth challenges (anonymous, Basic, Bearer tokens with per-repository scopes),
/// retries connection failures and 5xx/429 answers with backoff, follows redirects to
/// storage backends without leaking credentials to them, and verifies every digest.
public final class RegistryClient: Sendable {
  /// The registry as named in image references (host[:port]).
  public let registry: String
  /// `scheme://host[:port]` of the API.
  public let baseURL: String
  let http: HTTPClient
  let configuration: RegistryConfiguration
  let authenticator: RegistryAuthenticator
  let logger: Logger

  /// A client of `registry` that sends requests through `http` (see `makeHTTPClient`).
  public init(
    registry: String, http: HTTPClient, configuration: RegistryConfiguration = RegistryConfiguration(),
    logger: Logger = Logger(label: "starling.registry")
  ) {
    self.registry = registry
    let plain = configuration.usesPlainHTTP(registry)
    self.baseURL = "\(plain ? "http" : "https")://\(RegistryHost.apiHost(registry))"
    self.http = http
    self.configuration = configuration
    self.logger = logger
    self.authenticator = RegistryAuthenticator(
      registry: registry, credentials: configuration.credentials.credentials(for: registry), http: http,
      allowPlainHTTPRealm: plain, userAgent: configuration.userAgent, logger: logger)
  }

  /// An HTTP client set up for registries: no automatic redirects (they are followed
  /// here, to drop credentials), and idle read timeouts so a stalled body is abandoned.
  public static func makeHTTPClient(configuration: RegistryConfiguration = RegistryConfiguration()) -> HTTPClient {
    var config = HTTPClient.Configuration()
    config.redirectConfiguration = .disallow
    config.timeout = .init(
      connect: .seconds(10), read: .milliseconds(Int64(configuration.readTimeout.components.seconds * 1000)))
    config.decompression = .disabled
    config.httpVersion = .automatic
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
  }

  /// Runs `body` with a registry HTTP client that is shut down afterwards.
  public static func withHTTPClient<T>(
    configuration: RegistryConfiguration = RegistryConfiguration(), _ body: (HTTPClient) async throws -> T
  ) async throws -> T {
    let client = makeHTTPClient(configuration: configuration)
    do {
      let result = try await body(client)
      try await client.shutdown()
      return result
    } catch {
      try? await client.shutdown()
      throw error
    }
  }

  /// Checks that the registry speaks the v2 API and that credentials (if any) are accepted.
  public func ping() async throws {
    let response = try await send(
      RegistryRequest(method: .GET, path: "/v2/", operation: "ping", repository: nil, scopes: []))
    _ = try? await response.body.collect(upTo: 1 << 16)
  }

  /// The API path for a repository resource.
  func path(_ repository: String, _ suffix: String) -> String {
    "/v2/\(repository)/\(suffix)"
  }
}
