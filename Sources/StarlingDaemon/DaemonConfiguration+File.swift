public import Foundation
import StarlingFormat
import StarlingRegistry
import TOMLKit

extension DaemonConfiguration {
  /// The keys of the TOML file, for `--help`.
  public static let fileReference = """
    root = "/var/lib/starling"                  # state directory
    address = "/run/starling/snapshotter.sock"  # containerd's socket
    log_level = "info"
    lazy = true                                 # false: every layer ordinary
    cache_size = "10GiB"                        # blob cache bound (or bytes)
    fetch_timeout = "60s"                       # read waits this long, then EIO
    docker_config = true                        # also use ~/.docker/config.json

    [metrics]
    address = "127.0.0.1:9464"                  # Prometheus /metrics; "" = off

    [registries."registry.example.com"]
    insecure = false                            # plain HTTP
    mirrors = ["mirror.example.com:5000"]       # tried first for chunks
    username = "ci"
    password_file = "/etc/starling/registry.password"   # or password = "..."
    identity_token = "..."                      # OAuth2 refresh token instead
    """

  /// Reads the TOML file at `path` over the defaults. Unknown keys are errors (a typo must
  /// not silently change nothing). Returns warnings to log, e.g. secrets in a file others can read.
  public static func load(path: String) throws -> (DaemonConfiguration, warnings: [String]) {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw DaemonConfigurationError.unreadable(path: path, reason: (error as NSError).localizedDescription)
    }
    let table: TOMLTable
    do {
      table = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw DaemonConfigurationError.syntax(
        path: path, line: error.source.begin.line, column: error.source.begin.column, message: error.description)
    }
    var reader = FileReader(path: path)
    let configuration = try reader.read(table)
    var warnings: [String] = []
    if reader.holdsSecrets, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0
    {
      warnings.append(
        "config file \(path) holds registry credentials and others may read it (mode \(String(mode, radix: 8))); chmod 600 it"
      )
    }
    return (configuration, warnings)
  }
}

/// Walks the parsed table key by key, so every error names the key.
private struct FileReader {
  let path: String
  var holdsSecrets = false

  init(path: String) { self.path = path }

  mutating func read(_ table: TOMLTable) throws -> DaemonConfiguration {
    var c = DaemonConfiguration()
    for key in table.keys {
      let value = table[key]!
      switch key {
      case "root": c.root = try string(value, key)
      case "address": c.address = try string(value, key)
      case "log_level": c.logLevel = try string(value, key)
      case "lazy": c.lazy = try bool(value, key)
      case "cache_size": c.cacheBytes = try bytes(value, key)
      case "fetch_timeout": c.fetchTimeout = try duration(value, key)
      case "docker_config": c.useDockerConfig = try bool(value, key)
      case "metrics":
        for (k, v) in try entries(value, key) {
          guard k == "address" else { throw unknown("metrics.\(k)") }
          let address = try string(v, "metrics.address")
          c.metricsAddress =
            address.isEmpty ? nil : try DaemonConfiguration.checkedHostPort(address, key: "metrics.address", path: path)
        }
      case "registries":
        for (host, v) in try entries(value, key) {
          c.registries[host] = try registry(v, "registries.\"\(host)\"")
        }
      default: throw unknown(key)
      }
    }
    return c
  }

  mutating func registry(_ value: any TOMLValueConvertible, _ prefix: String) throws
    -> DaemonConfiguration.RegistrySettings
  {
    var settings = DaemonConfiguration.RegistrySettings()
    var username: String?
    var password: String?
    var identityToken: String?
    for (k, v) in try entries(value, prefix) {
      let key = "\(prefix).\(k)"
      switch k {
      case "insecure": settings.insecure = try bool(v, key)
      case "mirrors":
        guard let array = v.array else { throw wrongType(key, "an array of host[:port] strings") }
        settings.mirrors = try array.map { try string($0, key) }
      case "username": username = try string(v, key)
      case "password":
        password = try string(v, key)
        holdsSecrets = true
      case "password_file":
        let file = try string(v, key)
        do {
          password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        } catch {
          throw DaemonConfigurationError.invalidValue(path: path, key: key, reason: "cannot read \(file)")
        }
      case "identity_token":
        identityToken = try string(v, key)
        holdsSecrets = true
      default: throw unknown(key)
      }
    }
    if password != nil || identityToken != nil {
      guard username != nil || identityToken != nil else {
        throw DaemonConfigurationError.invalidValue(path: path, key: "\(prefix).password", reason: "needs a username")
      }
      settings.credentials = RegistryCredentials(
        username: username ?? "", password: password ?? "", identityToken: identityToken)
    }
    return settings
  }

  func entries(_ value: any TOMLValueConvertible, _ key: String) throws -> [(String, any TOMLValueConvertible)] {
    guard let table = value.table else { throw wrongType(key, "a table") }
    return table.keys.map { ($0, table[$0]!) }
  }

  func string(_ value: any TOMLValueConvertible, _ key: String) throws -> String {
    guard let string = value.string else { throw wrongType(key, "a string") }
    return string
  }

  func bool(_ value: any TOMLValueConvertible, _ key: String) throws -> Bool {
    guard let bool = value.bool else { throw wrongType(key, "true or false") }
    return bool
  }

  func bytes(_ value: any TOMLValueConvertible, _ key: String) throws -> Int64 {
    if let int = value.int, int >= 0 { return Int64(int) }
    guard let text = value.string, let bytes = ByteCount.parse(text) else {
      throw wrongType(key, "a byte count such as \"10GiB\" or a number of bytes")
    }
    return bytes
  }

  func duration(_ value: any TOMLValueConvertible, _ key: String) throws -> Duration {
    if let int = value.int, int > 0 { return .seconds(int) }
    guard let text = value.string, let duration = DaemonConfiguration.parseDuration(text), duration > .zero else {
      throw wrongType(key, "a duration such as \"60s\", \"500ms\" or \"2m\"")
    }
    return duration
  }

  func unknown(_ key: String) -> DaemonConfigurationError { .unknownKey(path: path, key: key) }
  func wrongType(_ key: String, _ expected: String) -> DaemonConfigurationError {
    .wrongType(path: path, key: key, expected: expected)
  }
}
