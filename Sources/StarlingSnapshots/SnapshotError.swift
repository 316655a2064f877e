/// Why a snapshot operation was refused.
///
/// The four cases are containerd's error categories for snapshotters (`errdefs`); the gRPC
/// adapter maps ``Code`` to the status code (NotFound, AlreadyExists, FailedPrecondition,
/// InvalidArgument). Failures of the database itself are not `SnapshotError`s: they are
/// rethrown as GRDB's `DatabaseError` and mean "internal".
public enum SnapshotError: Error, CustomStringConvertible, Equatable, Sendable {
  /// No snapshot has this key or name (a missing snapshot or a missing parent).
  case notFound(key: String)
  /// A snapshot with this key or name exists already.
  case alreadyExists(key: String)
  /// The snapshot exists but is in the wrong state for the operation.
  case failedPrecondition(key: String, reason: String)
  /// The request itself is malformed (a bad filter, a label too large, an immutable field).
  case invalidArgument(reason: String)

  /// The category of a ``SnapshotError``, one per containerd `errdefs` error.
  public enum Code: String, Sendable, Equatable, CaseIterable {
    case notFound
    case alreadyExists
    case failedPrecondition
    case invalidArgument
  }

  /// Which of the four categories this error is.
  public var code: Code {
    switch self {
    case .notFound: .notFound
    case .alreadyExists: .alreadyExists
    case .failedPrecondition: .failedPrecondition
    case .invalidArgument: .invalidArgument
    }
  }

  public var description: String {
    switch self {
    case .notFound(let key): "snapshot \"\(key)\" does not exist"
    case .alreadyExists(let key): "snapshot \"\(key)\" already exists"
    case .failedPrecondition(let key, let reason): "snapshot \"\(key)\": \(reason)"
    case .invalidArgument(let reason): reason
    }
  }
}
