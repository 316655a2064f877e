import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One logical request; rebuilt for every attempt so bodies can be resent.
struct RegistryRequest: Sendable {
  var method: HTTPMethod
  /// A path below the base URL, or an absolute URL (upload locations, redirects).
  var path: String
  var headers: [(String, String)] = []
  var body: (@Sendable () throws -> HTTPClientRequest.Body)? = nil
  var operation: String
  var repository: String?
  var scopes: [AuthScope]
  /// Statuses handed back to the caller rather than thrown (2xx always are).
  var accept: Set<UInt> = []
  /// Whether 5xx/connection failures may be retried by resending.
  var retryable = true

  init(
    method: HTTPMethod, path: String, headers: [(String, String)] = [], operation: String, repository: String?,
    scopes: [AuthScope], accept: Set<UInt> = [], retryable: Bool = true,
    body: (@Sendable () throws -> HTTPClientRequest.Body)? = nil
  ) {
    self.method = method
    self.path = path
    self.headers = headers
    self.operation = operation
    self.repository = repository
    self.scopes = scopes
    self.accept = accept
    self.retryable = retryable
    self.body = body
  }
}

extension RegistryClient {
  /// Sends a request with auth, redirects and retries; returns a response whose status is
  /// 2xx or in `accept`, with its body not yet read. Other statuses become `RegistryError`.
  func send(_ request: RegistryRequest) async throws -> HTTPClientResponse {
    var attempt = 1
    var authorization = try await authenticator.authorization(for: request.scopes)
    var triedChallenge = false
    var url = absoluteURL(request.path)
    var redirects = 0
    var sameOrigin = true
    while true {
      var http = HTTPClientRequest(url: url)
      http.method = request.method
      http.headers.add(name: "User-Agent", value: configuration.userAgent)
      for (name, value) in request.headers { http.headers.add(name: name, value: value) }
      if let authorization, sameOrigin { http.headers.add(name: "Authorization", value: authorization) }
      if let body = request.body { http.body = try body() }
      let response: HTTPClientResponse
      do {
        response = try await execute(http, timeout: configuration.requestTimeout)
      } catch {
        guard request.retryable, attempt < configuration.retry.maxAttempts, !Task.isCancelled else {
          throw RegistryError(
            .transport, registry: registry, repository: request.repository, operation: request.operation,
            detail: "\(error) (after \(attempt) attempt\(attempt == 1 ? "" : "s"))")
        }
        logger.info("retrying after connection failure", metadata: ["op": "\(request.operation)", "error": "\(error)"])
        try await configuration.retry.backoff(attempt: attempt)
        attempt += 1
        continue
      }
      let status = response.status.code
      if (200..<300).contains(status) || request.accept.contains(status) { return response }
      switch status {
      case _ where [301, 302, 303, 307, 308].contains(status) && redirects < 5:
        guard let location = response.headers.first(name: "Location"), let next = resolve(location, against: url) else {
          throw RegistryError(
            .protocolViolation, registry: registry, repository: request.repository, operation: request.operation,
            status: status, detail: "redirect without a usable Location")
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
        // Credentials are for the registry only, never for the storage backend it points to.
        sameOrigin = sameOrigin && origin(of: next) == origin(of: url)
        url = next
        redirects += 1
        continue
      case _ where status == 401 && !triedChallenge:
        _ = try? await response.body.collect(upTo: 1 << 16)
        triedChallenge = true
        if let next = try await authenticator.respond(
          toChallenge: response.headers.first(name: "WWW-Authenticate"), scopes: request.scopes,
          failed: authorization)
        {
          authorization = next
          continue
        }
        throw await failure(request, status: status, body: ByteBuffer())
      case _ where (status == 429 || status >= 500) && request.retryable && attempt < configuration.retry.maxAttempts:
        let detail = RegistryErrorBody.summary((try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer())
        logger.info(
          "retrying after HTTP \(status)", metadata: ["op": "\(request.operation)", "detail": "\(detail)"])
        try await configuration.retry.backoff(attempt: attempt)
        attempt += 1
        continue
      default:
        let body = (try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer()
        throw await failure(request, status: status, body: body, attempts: attempt)
      }
    }
  }

  private func execute(_ request: HTTPClientRequest, timeout: Duration) async throws -> HTTPClientResponse {
    try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
  }

  private func failure(_ request: RegistryRequest, status: UInt, body: ByteBuffer, attempts: Int = 1) async
    -> RegistryError
  {
    var detail = RegistryErrorBody.summary(body)
    if attempts > 1 { detail += detail.isEmpty ? "after \(attempts) attempts" : " (after \(attempts) attempts)" }
    let kind: RegistryError.Kind
    switch status {
    case 401:
      kind = .unauthorized
      if await !authenticator.hasCredentials {
        detail += detail.isEmpty ? "no credentials configured" : "; no credentials configured"
      }
    case 403: kind = .denied
    case 404: kind = .notFound
    default: kind = .unexpectedStatus
    }
    return RegistryError(
      kind, registry: registry, repository: request.repository, operation: request.operation, status: status,
      detail: detail)
  }

  func absoluteURL(_ pathOrURL: String) -> String {
    pathOrURL.hasPrefix("http://") || pathOrURL.hasPrefix("https://") ? pathOrURL : baseURL + pathOrURL
  }

  /// Resolves a Location header (absolute, or relative to the request URL).
  func resolve(_ location: String, against url: String) -> String? {
    if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
    guard let base = URL(string: url), let resolved = URL(string: location, relativeTo: base) else { return nil }
    return resolved.absoluteString
  }

  private func origin(of url: String) -> String {
    guard let components = URLComponents(string: url) else { return url }
    return "\(components.scheme ?? "")://\(components.host ?? ""):\(components.port ?? 0)"
  }
}

extension RegistryClient {
  /// Sends `request` and hands the response to `consume`, which reads the body. A body that
  /// breaks off or stalls (connection reset, read timeout) is fetched again, up to the retry
  /// limit; `RegistryError`s thrown by `consume` (bad content) are final.
  func withRetriedBody<T>(
    _ request: RegistryRequest, _ consume: (HTTPClientResponse) async throws -> T
  ) async throws -> T {
    var attempt = 1
    while true {
      let response = try await send(request)
      do {
        return try await consume(response)
      } catch let error as RegistryError {
        throw error
      } catch is NIOTooManyBytesError {
        throw RegistryError(
          .invalidContent, registry: registry, repository: request.repository, operation: request.operation,
          status: response.status.code, detail: "response body is larger than expected")
      } catch {
        guard request.retryable, attempt < configuration.retry.maxAttempts, !Task.isCancelled else {
          throw RegistryError(
            .transport, registry: registry, repository: request.repository, operation: request.operation,
            detail: "response body broke off after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(error)")
        }
        logger.info("re-fetching broken response", metadata: ["op": "\(request.operation)", "error": "\(error)"])
        try await configuration.retry.backoff(attempt: attempt)
        attempt += 1
      }
    }
  }
}
