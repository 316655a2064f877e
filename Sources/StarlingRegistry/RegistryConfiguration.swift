/// Settings shared by every request to registries (and to peers, which speak the same API).
public struct RegistryConfiguration: Sendable {
  /// Registries reached over plain HTTP (host[:port]); loopback hosts always are.
  public var insecureRegistries: Set<String>
  /// Where credentials come from.
  public var credentials: any CredentialProvider
  /// Retries of connection failures, 5xx and 429 answers.
  public var retry: RetryPolicy
  /// How long to wait for response headers of one request.
  public var requestTimeout: Duration
  /// How long a response body may stall before the read is abandoned (and retried).
  public var readTimeout: Duration
  /// Sent as `User-Agent`.
  public var userAgent: String
  /// Largest manifest accepted, so a hostile registry cannot exhaust memory.
  public var maxManifestBytes: Int

  public init(
    insecureRegistries: Set<String> = [],
    credentials: any CredentialProvider = StaticCredentials([:]),
    retry: RetryPolicy = RetryPolicy(),
    requestTimeout: Duration = .seconds(60),
    readTimeout: Duration = .seconds(30),
    userAgent: String = "starling/\(StarlingVersion.current)",
    maxManifestBytes: Int = 4 << 20
  ) {
    self.insecureRegistries = insecureRegistries
    self.credentials = credentials
    self.retry = retry
    self.requestTimeout = requestTimeout
    self.readTimeout = readTimeout
    self.userAgent = userAgent
    self.maxManifestBytes = maxManifestBytes
  }

  /// Whether `registry` is spoken to over plain HTTP.
  public func usesPlainHTTP(_ registry: String) -> Bool {
    RegistryHost.isLoopback(registry) || insecureRegistries.contains(registry)
  }
}

/// Exponential backoff with full jitter.
public struct RetryPolicy: Sendable {
  /// Attempts in total, including the first.
  public var maxAttempts: Int
  /// Delay before the first retry.
  public var initialDelay: Duration
  /// Upper bound of any one delay.
  public var maxDelay: Duration

  public init(maxAttempts: Int = 4, initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5)) {
    self.maxAttempts = max(1, maxAttempts)
    self.initialDelay = initialDelay
    self.maxDelay = maxDelay
  }

  /// Sleeps before retry number `attempt` (1-based).
  func backoff(attempt: Int) async throws {
    let factor = Double(1 << min(attempt - 1, 16))
    let ceiling = min(initialDelay * factor, maxDelay)
    let jittered = ceiling * Double.random(in: 0.5...1.0)
    try await Task.sleep(for: jittered)
  }
}

/// The version of Starling, reported in User-Agent and `--version`.
public enum StarlingVersion {
  public static let current = "0.1.0"
}
