import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Answers registry auth challenges and caches what they yield.
///
/// After the first 401 the registry's challenge is remembered, so later requests carry
/// credentials up front. Bearer tokens are cached per scope until shortly before they
/// expire; concurrent requests for the same scope share one token request.
actor RegistryAuthenticator {
  private let registry: String
  private let credentials: RegistryCredentials?
  private let http: HTTPClient
  private let allowPlainHTTPRealm: Bool
  private let userAgent: String
  private let logger: Logger
  private var challenge: AuthChallenge?
  private var tokens: [String: (token: String, expires: ContinuousClock.Instant)] = [:]
  private var inflight: [String: Task<(String, Int), any Error>] = [:]

  init(
    registry: String, credentials: RegistryCredentials?, http: HTTPClient, allowPlainHTTPRealm: Bool,
    userAgent: String, logger: Logger
  ) {
    self.registry = registry
    self.credentials = credentials
    self.http = http
    self.allowPlainHTTPRealm = allowPlainHTTPRealm
    self.userAgent = userAgent
    self.logger = logger
  }

  /// Whether credentials were configured (for error messages).
  var hasCredentials: Bool { credentials != nil }

  /// The Authorization header to send up front, if a challenge is known.
  func authorization(for scopes: [AuthScope]) async throws -> String? {
    guard let challenge else { return nil }
    return try await answer(challenge, scopes: scopes)
  }

  /// Records a 401's challenge and returns the header to retry with (nil: nothing to try).
  func respond(toChallenge header: String?, scopes: [AuthScope], failed previous: String?) async throws -> String? {
    guard let header, let parsed = AuthChallenge(header: header) else { return nil }
    challenge = parsed
    if let previous, previous.hasPrefix("Bearer ") {
      tokens = tokens.filter { $0.value.token != String(previous.dropFirst(7)) }
    }
    let next = try await answer(parsed, scopes: scopes)
    return next == previous ? nil : next
  }

  private func answer(_ challenge: AuthChallenge, scopes: [AuthScope]) async throws -> String? {
    switch challenge.scheme {
    case "basic":
      guard let credentials else { return nil }
      let raw = Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
      return "Basic \(raw)"
    case "bearer":
      return "Bearer \(try await token(challenge, scopes: scopes))"
    default:
      return nil
    }
  }

  private func token(_ challenge: AuthChallenge, scopes: [AuthScope]) async throws -> String {
    let scopeStrings = (scopes.map(\.description) + [challenge.scope].compactMap { $0 }).sorted()
    let key = ([challenge.realm ?? "", challenge.service ?? ""] + scopeStrings).joined(separator: "|")
    if let cached = tokens[key], cached.expires > .now { return cached.token }
    if let running = inflight[key] { return try await running.value.0 }
    let task = Task { try await self.fetchToken(challenge, scopes: Array(Set(scopeStrings)).sorted()) }
    inflight[key] = task
    defer { inflight[key] = nil }
    let (token, lifetime) = try await task.value
    // Renew early: a token that expires mid-download would fail a request.
    tokens[key] = (token, .now + .seconds(max(1, lifetime - min(30, lifetime / 5))))
    return token
  }

  private func fetchToken(_ challenge: AuthChallenge, scopes: [String]) async throws -> (String, Int) {
    func failure(_ status: UInt?, _ detail: String) -> RegistryError {
      RegistryError(
        .tokenService, registry: registry, repository: nil,
        operation: "token request to \(challenge.realm ?? "?")", status: status, detail: detail)
    }
    guard let realm = challenge.realm, var components = URLComponents(string: realm),
      let scheme = components.scheme, ["https", "http"].contains(scheme)
    else { throw failure(nil, "the Bearer challenge has no usable realm URL") }
    if scheme == "http", !allowPlainHTTPRealm, credentials != nil {
      throw failure(
        nil, "refusing to send credentials to a plain-HTTP token realm; mark the registry insecure to allow it")
    }
    var request: HTTPClientRequest
    if let refresh = credentials?.identityToken {
      request = HTTPClientRequest(url: realm)
      request.method = .POST
      var form = URLComponents()
      form.queryItems =
        [
          URLQueryItem(name: "grant_type", value: "refresh_token"),
          URLQueryItem(name: "refresh_token", value: refresh),
          URLQueryItem(name: "client_id", value: "starling"),
          URLQueryItem(name: "service", value: challenge.service ?? ""),
        ] + scopes.map { URLQueryItem(name: "scope", value: $0) }
      request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
      request.body = .bytes(ByteBuffer(string: form.percentEncodedQuery ?? ""))
    } else {
      var items = components.queryItems ?? []
      if let service = challenge.service { items.append(URLQueryItem(name: "service", value: service)) }
      items += scopes.map { URLQueryItem(name: "scope", value: $0) }
      if let credentials { items.append(URLQueryItem(name: "account", value: credentials.username)) }
      components.queryItems = items
      guard let url = components.string else { throw failure(nil, "cannot build the token URL") }
      request = HTTPClientRequest(url: url)
      if let credentials {
        let raw = Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(raw)")
      }
    }
    request.headers.add(name: "User-Agent", value: userAgent)
    logger.debug("requesting token", metadata: ["realm": "\(realm)", "scopes": "\(scopes)"])
    let response: HTTPClientResponse
    let body: ByteBuffer
    do {
      response = try await http.execute(request, timeout: .seconds(30))
      body = try await response.body.collect(upTo: 1 << 20)
    } catch {
      throw failure(nil, "\(error)")
    }
    guard response.status == .ok else {
      throw failure(response.status.code, RegistryErrorBody.summary(body))
    }
    struct Reply: Decodable {
      var token: String?
      var access_token: String?
      var expires_in: Int?
    }
    guard let reply = try? JSONDecoder().decode(Reply.self, from: Data(body.readableBytesView)),
      let token = reply.token ?? reply.access_token, !token.isEmpty
    else { throw failure(response.status.code, "the reply has no token") }
    return (token, max(reply.expires_in ?? 60, 1))
  }
}

/// Parses the Distribution error body `{"errors":[{"code":…,"message":…}]}`.
enum RegistryErrorBody {
  static func summary(_ body: ByteBuffer) -> String {
    struct Body: Decodable {
      struct Item: Decodable {
        var code: String?
        var message: String?
      }
      var errors: [Item]?
      var details: String?
    }
    let data = Data(body.readableBytesView)
    if let parsed = try? JSONDecoder().decode(Body.self, from: data), let errors = parsed.errors, !errors.isEmpty {
      return errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
    }
    let text = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.unicodeScalars.allSatisfy({ $0.value >= 32 || $0 == "\n" }) ? text : ""
  }
}
