import GRDB

extension SnapshotStore {
  /// Records a new active (writable) snapshot, containerd's `Prepare`.
  ///
  /// - Parameters:
  ///   - parent: the name of a committed snapshot, or nil/"" for none.
  /// - Throws: `notFound` for a missing parent, `invalidArgument` for a parent that is not committed
  ///   or a bad label, `alreadyExists` if the key is taken.
  @discardableResult
  public func prepare(key: String, parent: String?, labels: [String: String] = [:]) throws -> SnapshotInfo {
    try create(.active, key: key, parent: parent, labels: labels)
  }

  /// Records a new read-only view of a committed parent, containerd's `View`; same rules as ``prepare(key:parent:labels:)``.
  @discardableResult
  public func view(key: String, parent: String?, labels: [String: String] = [:]) throws -> SnapshotInfo {
    try create(.view, key: key, parent: parent, labels: labels)
  }

  /// containerd's `CreateSnapshot`: the parent is checked before the key.
  private func create(_ kind: SnapshotKind, key: String, parent: String?, labels: [String: String]) throws
    -> SnapshotInfo
  {
    if key.isEmpty { throw SnapshotError.invalidArgument(reason: "a snapshot key must not be empty") }
    let parent = parent?.isEmpty == false ? parent : nil
    let now = nowMicros()
    return try pool.write { db in
      var parentID: Int64?
      if let parent {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, kind FROM snapshot WHERE name = ?", arguments: [parent])
        else { throw SnapshotError.notFound(key: parent) }
        guard row["kind"] == SnapshotKind.committed.rawValue else {
          throw SnapshotError.invalidArgument(reason: "parent \"\(parent)\" is not a committed snapshot")
        }
        parentID = row["id"]
      }
      if try Self.info(db, name: key) != nil { throw SnapshotError.alreadyExists(key: key) }
      try db.execute(
        sql: "INSERT INTO snapshot (name, parentID, kind, created, updated) VALUES (?, ?, ?, ?, ?)",
        arguments: [key, parentID, kind.rawValue, now, now]
      )
      let id = db.lastInsertedRowID
      try Self.replaceLabels(db, id: id, with: labels)
      return try Self.existing(db, name: key)
    }
  }
}
