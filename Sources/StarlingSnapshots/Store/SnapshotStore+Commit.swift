import GRDB

extension SnapshotStore {
  /// Turns the active snapshot `key` into the committed snapshot `name`, containerd's `Commit`.
  ///
  /// The record keeps its id (so its directory stays) and parent; `key` disappears. As in
  /// containerd's `CommitActive`, `created` and `updated` become now, and the labels are
  /// **replaced** by `labels` (not merged: committing with no labels leaves none). The lazy
  /// fields are kept. `usage` is what the caller measured of the directory.
  ///
  /// - Throws: `alreadyExists` if `name` is taken (checked first, as containerd does), `notFound`
  ///   if `key` is missing, `failedPrecondition` if it is not active, `invalidArgument` for a bad
  ///   label or an empty name. A refused commit changes nothing.
  @discardableResult
  public func commit(name: String, key: String, labels: [String: String] = [:], usage: SnapshotUsage = .zero) throws
    -> SnapshotInfo
  {
    if name.isEmpty { throw SnapshotError.invalidArgument(reason: "a committed snapshot's name must not be empty") }
    let now = nowMicros()
    return try pool.write { db in
      if try Self.info(db, name: name) != nil { throw SnapshotError.alreadyExists(key: name) }
      let active = try Self.existing(db, name: key)
      guard active.kind == .active else {
        throw SnapshotError.failedPrecondition(
          key: key, reason: "only an active snapshot can be committed, and this one is \(active.kind.filterName)"
        )
      }
      try db.execute(
        sql: """
          UPDATE snapshot SET name = ?, kind = ?, created = ?, updated = ?, size = ?, inodes = ?
          WHERE id = ?
          """,
        arguments: [name, SnapshotKind.committed.rawValue, now, now, usage.size, usage.inodes, active.id]
      )
      // After the row changed: a bad label here rolls the whole commit back.
      try Self.replaceLabels(db, id: active.id, with: labels)
      return try Self.existing(db, name: name)
    }
  }
}
