import GRDB

extension SnapshotStore {
  /// Deletes a record of any kind, containerd's `Remove`, and returns it so the caller can delete
  /// the directory `snapshots/<id>` (after the record, so a crash leaves only an unreferenced
  /// directory: see ``unreferencedDirectories(existing:)``).
  ///
  /// - Throws: `notFound` if absent, `failedPrecondition` if other snapshots have it as parent.
  @discardableResult
  public func remove(key: String) throws -> SnapshotInfo {
    try pool.write { db in
      let info = try Self.existing(db, name: key)
      let children = try String.fetchAll(
        db, sql: "SELECT name FROM snapshot WHERE parentID = ? ORDER BY name LIMIT 3", arguments: [info.id]
      )
      if !children.isEmpty {
        let list = children.map { "\"\($0)\"" }.joined(separator: ", ")
        throw SnapshotError.failedPrecondition(
          key: key, reason: "cannot remove a snapshot with children (\(list)); remove them first"
        )
      }
      try db.execute(sql: "DELETE FROM snapshot WHERE id = ?", arguments: [info.id])
      return info
    }
  }
}
