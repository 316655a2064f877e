public import Foundation
public import StarlingRegistry

/// Everything `starlingd` is told to do: read from its TOML file (see `load(path:)`),
/// then overridden by command-line flags.
public struct DaemonConfiguration: Sendable {
  /// State directory: snapshot metadata and directories, blob cache.
  public var root = "/var/lib/starling"
  /// Unix socket containerd connects to.
  public var address = "/run/starling/snapshotter.sock"
  /// swift-log level name.
  public var logLevel = "info"
  /// Mount converted layers lazily (false: every layer takes the ordinary path).
  public var lazy = true
  /// Bound of the blob cache.
  public var cacheBytes: Int64 = 10 << 30
  /// How long a read waits for a chunk while every source fails, before EIO.
  public var fetchTimeout: Duration = .seconds(60)
  /// `host:port` for the Prometheus endpoint (`/metrics`); nil: no endpoint.
  public var metricsAddress: String? = "127.0.0.1:9464"
  /// Also take credentials from docker's config.json (after this file's).
  public var useDockerConfig = true
  /// Per-registry settings, keyed by host[:port] as in image references.
  public var registries: [String: RegistrySettings] = [:]

  public init() {}

  /// Settings for one registry.
  public struct RegistrySettings: Sendable, Equatable {
    /// Reach it over plain HTTP.
    public var insecure = false
    /// Hosts (host[:port]) serving the same repositories, tried before it for chunks.
    public var mirrors: [String] = []
    /// Credentials from the config (they win over docker's config.json).
    public var credentials: RegistryCredentials?

    public init(insecure: Bool = false, mirrors: [String] = [], credentials: RegistryCredentials? = nil) {
      self.insecure = insecure
      self.mirrors = mirrors
      self.credentials = credentials
    }
  }

  /// Registries and mirrors spoken to over plain HTTP.
  public var insecureRegistries: Set<String> {
    Set(registries.filter(\.value.insecure).keys)
  }

  /// Mirrors per registry (only registries that have some).
  public var mirrors: [String: [String]] {
    registries.compactMapValues { $0.mirrors.isEmpty ? nil : $0.mirrors }
  }

  /// Credentials from this configuration first, then docker's config.json.
  public func credentialProvider(docker: (any CredentialProvider)?) -> any CredentialProvider {
    let own = StaticCredentials(
      Dictionary(
        uniqueKeysWithValues: registries.compactMap { key, value in
          value.credentials.map { (RegistryHost.credentialKey(key), $0) }
        }))
    return ChainedCredentials([own] + (docker.map { [$0] } ?? []))
  }

  /// The registry settings as a `RegistryConfiguration` (credentials from `credentials`).
  public func registryConfiguration(credentials: any CredentialProvider) -> RegistryConfiguration {
    RegistryConfiguration(insecureRegistries: insecureRegistries, credentials: credentials)
  }
}
