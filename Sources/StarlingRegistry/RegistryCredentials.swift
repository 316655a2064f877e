/// Credentials for one registry. `description` never shows the secret.
public struct RegistryCredentials: Sendable, Equatable, CustomStringConvertible {
  /// User name for Basic auth and token requests.
  public var username: String
  /// Password or personal access token.
  public var password: String
  /// An OAuth2 refresh token (`identitytoken` in docker's config.json), used instead of the password.
  public var identityToken: String?

  public init(username: String, password: String, identityToken: String? = nil) {
    self.username = username
    self.password = password
    self.identityToken = identityToken
  }

  /// Parses `user:password` as given on a command line.
  public init?(userColonPassword: String) {
    guard let colon = userColonPassword.firstIndex(of: ":") else { return nil }
    self.init(
      username: String(userColonPassword[..<colon]),
      password: String(userColonPassword[userColonPassword.index(after: colon)...]))
  }

  public var description: String { "RegistryCredentials(username: \(username), password: <redacted>)" }
}

/// Looks up credentials for a registry host.
public protocol CredentialProvider: Sendable {
  /// Credentials for `registry` (host[:port] as written in image references), or nil for anonymous.
  func credentials(for registry: String) -> RegistryCredentials?
}

/// Credentials given explicitly, e.g. by command-line flags or daemon config.
public struct StaticCredentials: CredentialProvider {
  private let byRegistry: [String: RegistryCredentials]

  public init(_ byRegistry: [String: RegistryCredentials]) {
    self.byRegistry = byRegistry
  }

  public func credentials(for registry: String) -> RegistryCredentials? {
    byRegistry[RegistryHost.credentialKey(registry)]
  }
}

/// Tries providers in order and takes the first answer.
public struct ChainedCredentials: CredentialProvider {
  private let providers: [any CredentialProvider]

  public init(_ providers: [any CredentialProvider]) {
    self.providers = providers
  }

  public func credentials(for registry: String) -> RegistryCredentials? {
    for provider in providers {
      if let found = provider.credentials(for: registry) { return found }
    }
    return nil
  }
}
