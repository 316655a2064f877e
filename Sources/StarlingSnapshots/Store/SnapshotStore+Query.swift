import GRDB

extension SnapshotStore {
  /// The record with this key or name, containerd's `Stat`; `notFound` if absent.
  public func stat(key: String) throws -> SnapshotInfo {
    try pool.read { db in try Self.existing(db, name: key) }
  }

  /// The records matching any of `filters` (none: all), containerd's `Walk`, in its order: by
  /// key/name, byte-wise. A malformed filter throws `invalidArgument` naming it, before any read.
  public func list(filters: [String] = []) throws -> [SnapshotInfo] {
    let parsed = try filters.map { filter throws(SnapshotError) in try SnapshotFilter(parsing: filter) }
    let matches = CompiledFilter.anyOf(parsed)
    return try pool.read { db in try Self.infos(db) }.filter(matches)
  }

  /// The snapshots whose parent is `key`, by name; `notFound` if `key` is absent.
  public func children(of key: String) throws -> [SnapshotInfo] {
    try pool.read { db in
      let info = try Self.existing(db, name: key)
      return try Self.infos(db, where: "s.parentID = ?", arguments: [info.id])
    }
  }

  /// The ids of the parent chain of `key`, nearest parent first, not including `key` itself
  /// (containerd's `ParentIDs`). This is the order of overlayfs `lowerdir=`: the first directory is
  /// the uppermost. Empty for a snapshot without parent; `notFound` if `key` is absent.
  public func ancestors(of key: String) throws -> [Int64] {
    try pool.read { db in
      let info = try Self.existing(db, name: key)
      return try Int64.fetchAll(
        db,
        sql: """
          WITH RECURSIVE chain(id, parentID, depth) AS (
            SELECT id, parentID, 0 FROM snapshot WHERE id = (SELECT parentID FROM snapshot WHERE id = ?)
            UNION ALL
            SELECT s.id, s.parentID, chain.depth + 1 FROM snapshot s JOIN chain ON s.id = chain.parentID
          )
          SELECT id FROM chain ORDER BY depth
          """,
        arguments: [info.id]
      )
    }
  }

  /// Of the ids of directories found on disk, those with no record, ascending: leftovers of a
  /// crash between a record's removal and its directory's (or of a refused prepare), to delete.
  public func unreferencedDirectories(existing: [Int64]) throws -> [Int64] {
    let known = try pool.read { db in try Set(Int64.fetchAll(db, sql: "SELECT id FROM snapshot")) }
    return Set(existing).subtracting(known).sorted()
  }
}
