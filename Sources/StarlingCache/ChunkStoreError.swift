#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A failure of the on-disk chunk store, naming the system call, the path and the errno so
/// an operator can tell a full disk from a permission problem from a vanished mount.
public enum ChunkStoreError: Error, Sendable, Equatable, CustomStringConvertible {
  /// `call` (e.g. `open`, `write`, `rename`) failed on `path` with `errno`.
  case systemCall(_ call: String, path: String, errno: Int32)

  public var description: String {
    switch self {
    case .systemCall(let call, let path, let code):
      "chunk store: \(call) \(path): \(String(cString: strerror(code))) (errno \(code))"
    }
  }
}
