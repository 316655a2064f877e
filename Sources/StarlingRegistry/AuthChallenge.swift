/// A parsed `WWW-Authenticate` challenge (RFC 7235), e.g.
/// `Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"`.
public struct AuthChallenge: Sendable, Equatable {
  /// `basic` or `bearer` (lowercased).
  public var scheme: String
  /// The auth-params, keys lowercased.
  public var parameters: [String: String]

  /// Parses the first challenge of a header value; nil when it is empty or unparsable.
  public init?(header: String) {
    var scanner = Substring(header).drop(while: \.isWhitespace)
    let scheme = scanner.prefix(while: { !$0.isWhitespace && $0 != "," })
    guard !scheme.isEmpty else { return nil }
    self.scheme = scheme.lowercased()
    scanner = scanner.dropFirst(scheme.count)
    var parameters: [String: String] = [:]
    while true {
      scanner = scanner.drop(while: { $0.isWhitespace || $0 == "," })
      let key = scanner.prefix(while: { $0 != "=" && !$0.isWhitespace && $0 != "," })
      guard !key.isEmpty else { break }
      scanner = scanner.dropFirst(key.count).drop(while: \.isWhitespace)
      guard scanner.first == "=" else { break }
      scanner = scanner.dropFirst().drop(while: \.isWhitespace)
      var value = ""
      if scanner.first == "\"" {
        scanner = scanner.dropFirst()
        var escaped = false
        while let c = scanner.first {
          scanner = scanner.dropFirst()
          if escaped {
            value.append(c)
            escaped = false
          } else if c == "\\" {
            escaped = true
          } else if c == "\"" {
            break
          } else {
            value.append(c)
          }
        }
      } else {
        let token = scanner.prefix(while: { $0 != "," && !$0.isWhitespace })
        value = String(token)
        scanner = scanner.dropFirst(token.count)
      }
      parameters[key.lowercased()] = value
    }
    self.parameters = parameters
  }

  /// The token endpoint of a Bearer challenge.
  public var realm: String? { parameters["realm"] }
  /// The service name to ask the token endpoint for.
  public var service: String? { parameters["service"] }
  /// The scope the registry asked for (on `insufficient_scope`).
  public var scope: String? { parameters["scope"] }
}

/// An access request in a Bearer token: `repository:NAME:pull,push`.
public struct AuthScope: Sendable, Hashable, CustomStringConvertible {
  /// The repository.
  public var repository: String
  /// Actions, e.g. `pull`, `push`.
  public var actions: [String]

  public init(repository: String, actions: [String]) {
    self.repository = repository
    self.actions = actions
  }

  /// Read access.
  public static func pull(_ repository: String) -> AuthScope { AuthScope(repository: repository, actions: ["pull"]) }
  /// Read and write access.
  public static func push(_ repository: String) -> AuthScope {
    AuthScope(repository: repository, actions: ["pull", "push"])
  }

  public var description: String { "repository:\(repository):\(actions.joined(separator: ","))" }
}
