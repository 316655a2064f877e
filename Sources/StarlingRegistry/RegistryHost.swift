import Foundation

/// How to reach a registry named in an image reference.
public enum RegistryHost {
  /// The API endpoint host for a registry name (Docker Hub's API lives elsewhere).
  public static func apiHost(_ registry: String) -> String {
    switch registry {
    case "docker.io", "index.docker.io": "registry-1.docker.io"
    default: registry
    }
  }

  /// Whether plain HTTP is used without being asked: loopback hosts only.
  public static func isLoopback(_ registry: String) -> Bool {
    let host = hostname(registry)
    return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
  }

  /// The host without its port.
  public static func hostname(_ registry: String) -> String {
    if registry.hasPrefix("["), let close = registry.firstIndex(of: "]") {
      return String(registry[...close])
    }
    if let colon = registry.lastIndex(of: ":") { return String(registry[..<colon]) }
    return registry
  }

  /// Normalizes a registry name as written in credential stores (`https://index.docker.io/v1/`,
  /// `http://host:5000`, `host:5000/`) to the form used in references.
  public static func credentialKey(_ raw: String) -> String {
    var key = Substring(raw)
    if let scheme = key.range(of: "://") { key = key[scheme.upperBound...] }
    if let slash = key.firstIndex(of: "/") { key = key[..<slash] }
    switch key {
    case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com": return "docker.io"
    default: return String(key)
    }
  }
}
