import AsyncHTTPClient
import Foundation
import NIOCore
public import StarlingRegistry

/// The real services integration tests run against, as exported by `Tools/registry.sh env`
/// (and set by `Tools/test.sh`). A missing variable is an error, never a silent skip.
public struct IntegrationEnvironment: Sendable {
  /// Anonymous plain-HTTP registry (`host:port`).
  public let registry: String
  /// Registry behind htpasswd Basic auth.
  public let basicRegistry: String
  public let basicCredentials: RegistryCredentials
  /// Registry behind Bearer token auth.
  public let tokenRegistry: String
  public let tokenCredentials: RegistryCredentials
  /// Another user of the token registry that may push (its tokens are counted apart).
  public let tokenBuilderCredentials: RegistryCredentials
  /// A pull-only user of the token registry whose tokens live 4 s (expiry tests).
  public let tokenShortLivedCredentials: RegistryCredentials
  /// Token server endpoint (`host:port`).
  public let tokenServer: String
  /// Where the fixture builder put its layouts and fixtures.json, if built.
  public let state: String

  /// Reads the environment; throws naming the missing variable and how to set it.
  public static func current() throws -> IntegrationEnvironment {
    let env = ProcessInfo.processInfo.environment
    func value(_ name: String) throws -> String {
      guard let v = env[name], !v.isEmpty else { throw MissingEnvironment(name: name) }
      return v
    }
    return IntegrationEnvironment(
      registry: try value("STARLING_TEST_REGISTRY"),
      basicRegistry: try value("STARLING_TEST_BASIC_REGISTRY"),
      basicCredentials: RegistryCredentials(
        username: try value("STARLING_TEST_BASIC_USER"), password: try value("STARLING_TEST_BASIC_PASSWORD")),
      tokenRegistry: try value("STARLING_TEST_TOKEN_REGISTRY"),
      tokenCredentials: RegistryCredentials(
        username: try value("STARLING_TEST_TOKEN_USER"), password: try value("STARLING_TEST_TOKEN_PASSWORD")),
      tokenBuilderCredentials: RegistryCredentials(
        username: try value("STARLING_TEST_TOKEN_BUILDER_USER"),
        password: try value("STARLING_TEST_TOKEN_BUILDER_PASSWORD")),
      tokenShortLivedCredentials: RegistryCredentials(
        username: try value("STARLING_TEST_TOKEN_SHORTLIVED_USER"),
        password: try value("STARLING_TEST_TOKEN_SHORTLIVED_PASSWORD")),
      tokenServer: try value("STARLING_TEST_TOKEN_SERVER"),
      state: env["STARLING_STATE"] ?? "/var/tmp/starling")
  }

  /// Tokens the token server has issued since it started (its `/stats`), to `user` or to anyone.
  public func tokensIssued(to user: String? = nil) async throws -> Int {
    try await RegistryClient.withHTTPClient { http in
      let response = try await http.execute(HTTPClientRequest(url: "http://\(tokenServer)/stats"), timeout: .seconds(5))
      let body = try await response.body.collect(upTo: 1 << 16)
      let stats = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
      guard let user else { return (stats?["tokens_issued"] as? Int) ?? -1 }
      return ((stats?["tokens_by_user"] as? [String: Any])?[user] as? Int) ?? 0
    }
  }

  /// A repository name unique to one test run, so tests never see each other's images.
  public static func uniqueRepository(_ prefix: String) -> String {
    "tests/\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
  }
}

/// An integration test ran without its services.
public struct MissingEnvironment: Error, CustomStringConvertible {
  public let name: String

  public init(name: String) {
    self.name = name
  }

  public var description: String {
    "\(name) is not set: run the tests with Tools/test.sh, or `eval \"$(Tools/registry.sh env)\"` after `Tools/registry.sh start`"
  }
}
