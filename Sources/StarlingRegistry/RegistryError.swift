import StarlingFormat

/// A failed registry operation, naming registry, repository, content and HTTP status.
public struct RegistryError: Error, CustomStringConvertible, Sendable {
  /// What kind of failure this is.
  public enum Kind: Sendable, Equatable {
    /// 404: the manifest, tag, blob or repository does not exist.
    case notFound
    /// 401: no or wrong credentials.
    case unauthorized
    /// 403: authenticated but not allowed.
    case denied
    /// Any other unexpected status (5xx after retries, 4xx).
    case unexpectedStatus
    /// Connection failures and timeouts, after retries.
    case transport
    /// Content does not hash to its digest, or has the wrong size.
    case integrity
    /// The registry broke the protocol (missing Location header, bad Content-Range...).
    case protocolViolation
    /// The token service refused or failed.
    case tokenService
    /// Content that parses but is not acceptable (unknown media type, malformed manifest).
    case invalidContent
  }

  /// The kind of failure.
  public let kind: Kind
  /// Registry host[:port].
  public let registry: String
  /// Repository, when the request had one.
  public let repository: String?
  /// The operation, e.g. "GET manifest latest" or "GET blob sha256:…".
  public let operation: String
  /// HTTP status, when a response arrived.
  public let status: UInt?
  /// Extra detail: the registry's error codes, the underlying error, the digests involved.
  public let detail: String

  public init(
    _ kind: Kind, registry: String, repository: String?, operation: String, status: UInt? = nil, detail: String
  ) {
    self.kind = kind
    self.registry = registry
    self.repository = repository
    self.operation = operation
    self.status = status
    self.detail = detail
  }

  public var description: String {
    var where_ = registry
    if let repository { where_ += "/\(repository)" }
    var s = "\(operation) at \(where_) failed"
    if let status { s += ": HTTP \(status)" }
    switch kind {
    case .notFound: s += " (not found)"
    case .unauthorized: s += " (unauthorized: check credentials: --creds, ~/.docker/config.json or DOCKER_CONFIG)"
    case .denied: s += " (access denied)"
    case .transport: s += " (network)"
    case .integrity: s += " (integrity check)"
    case .protocolViolation: s += " (registry protocol violation)"
    case .tokenService: s += " (token service)"
    case .invalidContent: s += " (invalid content)"
    case .unexpectedStatus: break
    }
    if !detail.isEmpty { s += ": \(detail)" }
    return s
  }
}

extension RegistryError {
  static func integrity(
    registry: String, repository: String, operation: String, expected: Digest, actual: Digest
  ) -> RegistryError {
    RegistryError(
      .integrity, registry: registry, repository: repository, operation: operation,
      detail: "expected \(expected), content hashes to \(actual)")
  }
}
