import GRDB

extension SnapshotStore {
  /// The schema, one migration per version; never edit a shipped migration, add one.
  ///
  /// `snapshot.id` is `AUTOINCREMENT`, so SQLite never hands out an id again, even after the
  /// highest one is removed: a stale `snapshots/<id>` directory can never be mistaken for a new
  /// snapshot's. The parent is stored as its id (parents are committed, and committed names never
  /// change); `ON DELETE RESTRICT` backs up the "no remove with children" rule.
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE snapshot (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            parentID INTEGER REFERENCES snapshot(id) ON DELETE RESTRICT,
            kind INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
            created INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            size INTEGER NOT NULL DEFAULT 0,
            inodes INTEGER NOT NULL DEFAULT 0,
            lazyImage TEXT,
            lazyLayerDigest TEXT,
            outcome TEXT
          );
          CREATE INDEX snapshot_on_parentID ON snapshot(parentID);
          CREATE TABLE label (
            snapshotID INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (snapshotID, key)
          ) WITHOUT ROWID;
          """
      )
    }
    return migrator
  }
}
