public import Foundation
import GRDB

/// The durable snapshot metadata of `starlingd`: containerd's snapshotter rules over SQLite.
///
/// The store keeps one record per snapshot in `<root>/metadata.db` (WAL journal, `synchronous = FULL`,
/// so an operation that returned is on disk, as with containerd's bolt store). Every operation is a
/// single write transaction: a crash or a refused request never leaves half a snapshot behind.
/// It knows nothing of directories or mounts; each record's ``SnapshotInfo/id`` names the
/// directory `snapshots/<id>` that the caller manages.
///
/// ## Rules (containerd's `snapshots/storage`)
/// - ``prepare(key:parent:labels:)`` and ``view(key:parent:labels:)`` need a committed parent:
///   a missing parent is `notFound`, a parent that is not committed is `invalidArgument`
///   (`"parent is not committed snapshot"`), a taken key is `alreadyExists`.
/// - ``commit(name:key:labels:usage:)`` turns an active snapshot into a committed one with the
///   same id; the name must be free (`alreadyExists`, checked first), the key must exist
///   (`notFound`) and be active (`failedPrecondition`).
/// - ``remove(key:)`` refuses a snapshot with children (`failedPrecondition`).
/// - Only labels are mutable (``update(key:labels:fieldPaths:)``).
///
/// ## Why a `Sendable` class with synchronous methods
/// GRDB's `DatabasePool` is itself `Sendable` and serializes writers while readers run in
/// parallel on WAL snapshots, so an actor would only add a second, redundant queue and force
/// every caller (and test) to be async. Each method is one short transaction; the async gRPC
/// layer calls them directly.
public final class SnapshotStore: Sendable {
  /// The database file, `<root>/metadata.db`.
  public let databasePath: String
  let pool: DatabasePool
  let clock: @Sendable () -> Date

  /// Opens (creating if needed) the store under `root`, migrating the schema to the current version.
  ///
  /// - Parameter now: the clock for `created`/`updated`; tests pass a fixed one.
  public init(root: String, now: @escaping @Sendable () -> Date = { Date() }) throws {
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    databasePath = (root as NSString).appendingPathComponent("metadata.db")
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = FULL")
    }
    pool = try DatabasePool(path: databasePath, configuration: configuration)
    clock = now
    try Self.migrator.migrate(pool)
  }

  /// Closes the database; any later call throws. Closing also happens when the store is released.
  public func close() throws {
    try pool.close()
  }

  /// The journal mode SQLite reports (`"wal"`).
  public func journalMode() throws -> String {
    try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
  }

  /// The current time as stored: whole microseconds since 1970.
  func nowMicros() -> Int64 {
    Int64((clock().timeIntervalSince1970 * 1_000_000).rounded())
  }
}
