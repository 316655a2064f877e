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

  func parsedCreds(_ value: String?) -> RegistryCredentials? {
    value.flatMap(RegistryCredentials.init(userColonPassword:))
  }
}
