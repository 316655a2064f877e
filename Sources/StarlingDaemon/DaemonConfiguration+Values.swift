import Foundation

extension DaemonConfiguration {
  /// Parses `500ms`, `60s`, `2m`, `1h` (a number and a unit; a bare number is seconds).
  public static func parseDuration(_ text: String) -> Duration? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    let digits = trimmed.prefix { $0.isNumber || $0 == "." }
    guard let value = Double(digits), value >= 0 else { return nil }
    let scale: Double
    switch trimmed.dropFirst(digits.count) {
    case "ms": scale = 0.001
    case "", "s": scale = 1
    case "m": scale = 60
    case "h": scale = 3600
    default: return nil
    }
    return .milliseconds(Int64((value * scale * 1000).rounded()))
  }

  /// `address` if it is `host:port` with a port in 1...65535 (IPv6 hosts in brackets).
  static func checkedHostPort(_ address: String, key: String, path: String) throws -> String {
    guard let (_, port) = splitHostPort(address), (1...65535).contains(port) else {
      throw DaemonConfigurationError.invalidValue(
        path: path, key: key, reason: "\"\(address)\" is not host:port (e.g. \"127.0.0.1:9464\")")
    }
    return address
  }

  /// Splits `host:port` (`[::1]:9464` for IPv6).
  public static func splitHostPort(_ address: String) -> (host: String, port: Int)? {
    guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
      return nil
    }
    var host = String(address[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { return nil }
    return (host, port)
  }
}
