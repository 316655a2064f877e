/// Why `starlingd`'s configuration file was refused. Values of secret keys are never shown.
public enum DaemonConfigurationError: Error, Equatable, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case syntax(path: String, line: Int, column: Int, message: String)
  case unknownKey(path: String, key: String)
  case wrongType(path: String, key: String, expected: String)
  case invalidValue(path: String, key: String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason):
      "cannot read config file \(path): \(reason)"
    case .syntax(let path, let line, let column, let message):
      "config file \(path), line \(line), column \(column): \(message)"
    case .unknownKey(let path, let key):
      "config file \(path): unknown key `\(key)` (see `starlingd --help` for the file's keys)"
    case .wrongType(let path, let key, let expected):
      "config file \(path): `\(key)` must be \(expected)"
    case .invalidValue(let path, let key, let reason):
      "config file \(path): `\(key)`: \(reason)"
    }
  }
}
