public import Foundation

/// Credentials from docker's `config.json` (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`): the `auths` map, per-registry `credHelpers` and the default
/// `credsStore` (run as `docker-credential-<name> get`).
public struct DockerConfigCredentials: CredentialProvider {
  private let auths: [String: RegistryCredentials]
  private let helpers: [String: String]
  private let defaultStore: String?
  /// The file that was read, if any.
  public let path: String?

  /// Loads the config; a missing file means no credentials, a malformed one is an error.
  public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    let directory =
      environment["DOCKER_CONFIG"] ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.docker"
    let file = directory + "/config.json"
    guard FileManager.default.fileExists(atPath: file) else {
      self.init(auths: [:], helpers: [:], defaultStore: nil, path: nil)
      return
    }
    try self.init(contentsOf: URL(fileURLWithPath: file))
  }

  /// Parses a config file.
  public init(contentsOf file: URL) throws {
    let config: ConfigFile
    do {
      config = try JSONDecoder().decode(ConfigFile.self, from: Data(contentsOf: file))
    } catch {
      throw CredentialError.malformedConfig(path: file.path, reason: "\(error)")
    }
    var auths: [String: RegistryCredentials] = [:]
    for (registry, entry) in config.auths ?? [:] {
      var user = entry.username
      var password = entry.password
      if let encoded = entry.auth, !encoded.isEmpty {
        guard let decoded = Data(base64Encoded: encoded).flatMap({ String(data: $0, encoding: .utf8) }),
          let pair = RegistryCredentials(userColonPassword: decoded)
        else {
          throw CredentialError.malformedConfig(
            path: file.path, reason: "auths[\(registry)].auth is not base64 of user:password")
        }
        user = pair.username
        password = pair.password
      }
      guard user != nil || entry.identitytoken != nil else { continue }
      auths[RegistryHost.credentialKey(registry)] = RegistryCredentials(
        username: user ?? "", password: password ?? "", identityToken: entry.identitytoken)
    }
    var helpers: [String: String] = [:]
    for (registry, helper) in config.credHelpers ?? [:] {
      helpers[RegistryHost.credentialKey(registry)] = helper
    }
    self.init(auths: auths, helpers: helpers, defaultStore: config.credsStore, path: file.path)
  }

  private init(auths: [String: RegistryCredentials], helpers: [String: String], defaultStore: String?, path: String?) {
    self.auths = auths
    self.helpers = helpers
    self.defaultStore = defaultStore
    self.path = path
  }

  public func credentials(for registry: String) -> RegistryCredentials? {
    let key = RegistryHost.credentialKey(registry)
    if let helper = helpers[key] ?? (auths[key] == nil ? defaultStore : nil), !helper.isEmpty,
      let found = Self.runHelper(helper, registry: key)
    {
      return found
    }
    return auths[key]
  }

  /// Runs a docker credential helper; failures mean "no credentials" (as docker does).
  private static func runHelper(_ name: String, registry: String) -> RegistryCredentials? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["docker-credential-\(name)", "get"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do {
      try process.run()
      let server = registry == "docker.io" ? "https://index.docker.io/v1/" : registry
      input.fileHandleForWriting.write(Data(server.utf8))
      try input.fileHandleForWriting.close()
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else { return nil }
      let reply = try JSONDecoder().decode(HelperReply.self, from: data)
      if reply.Username == "<token>" {
        return RegistryCredentials(username: "", password: "", identityToken: reply.Secret)
      }
      return RegistryCredentials(username: reply.Username, password: reply.Secret)
    } catch {
      return nil
    }
  }

  private struct ConfigFile: Decodable {
    var auths: [String: AuthEntry]?
    var credHelpers: [String: String]?
    var credsStore: String?
  }

  private struct AuthEntry: Decodable {
    var auth: String?
    var username: String?
    var password: String?
    var identitytoken: String?
  }

  private struct HelperReply: Decodable {
    var Username: String
    var Secret: String
  }
}

/// Problems reading credential configuration.
public enum CredentialError: Error, CustomStringConvertible {
  case malformedConfig(path: String, reason: String)

  public var description: String {
    switch self {
    case .malformedConfig(let path, let reason): "cannot read docker credentials from \(path): \(reason)"
    }
  }
}
