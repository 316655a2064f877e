/// One extended attribute: a name such as "user.comment" and its raw value (may be empty or non-UTF-8).
public struct TarXattr: Sendable, Hashable {
  /// The attribute name including its namespace, e.g. "security.capability".
  public var name: String
  /// The raw value bytes.
  public var value: [UInt8]

  /// An attribute `name` with raw `value`.
  public init(name: String, value: [UInt8]) {
    self.name = name
    self.value = value
  }
}
