import ArgumentParser
import AsyncHTTPClient
import Foundation
import StarlingOCI
import StarlingRegistry

/// Flags shared by commands that talk to registries.
struct RegistryOptions: ParsableArguments {
  @Option(
    name: .customLong("insecure-registry"),
    help: "Use plain HTTP for this registry host[:port] (repeatable). Loopback hosts always do.")
  var insecureRegistries: [String] = []

  @Option(
    name: .customLong("creds"),
    help: ArgumentHelp("Credentials for every registry named on the command line.", valueName: "user:password"))
  var creds: String?

  @Option(name: .customLong("retries"), help: "Attempts per request on connection failures and 5xx answers.")
  var retries: Int = 4

  @Flag(name: .customLong("no-docker-config"), help: "Ignore docker's config.json.")
  var noDockerConfig = false

  func validate() throws {
    if let creds, RegistryCredentials(userColonPassword: creds) == nil {
      throw ValidationError("--creds must be user:password")
    }
    guard retries >= 1 else { throw ValidationError("--retries must be at least 1") }
  }

  /// Builds the configuration; `overrides` gives per-registry credentials from flags.
  func configuration(overrides: [String: RegistryCredentials] = [:]) throws -> RegistryConfiguration {
    var providers: [any CredentialProvider] = [StaticCredentials(overrides)]
    if !noDockerConfig { providers.append(try DockerConfigCredentials()) }
    return RegistryConfiguration(
      insecureRegistries: Set(insecureRegistries), credentials: ChainedCredentials(providers),
      retry: RetryPolicy(maxAttempts: retries))
  }

  /// The configuration for a command naming these locations, each with its own optional
  /// `user:password` (which wins over --creds for that location's registry).
  func configuration(for locations: [(ImageLocation, String?)]) throws -> RegistryConfiguration {
    var overrides: [String: RegistryCredentials] = [:]
    if let all = parsedCreds(creds) {
      for case (.registry(let ref), _) in locations { overrides[ref.registry] = all }
    }
    for case (.registry(let ref), let specific?) in locations {
      if let parsed = parsedCreds(specific) { overrides[ref.registry] = parsed }
    }
    return try configuration(overrides: overrides)
  }

  func parsedCreds(_ value: String?) -> RegistryCredentials? {
    value.flatMap(RegistryCredentials.init(userColonPassword:))
  }
}
