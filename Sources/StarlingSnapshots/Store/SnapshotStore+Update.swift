import GRDB

extension SnapshotStore {
  /// Changes a snapshot's labels, containerd's `Update` (labels are the only mutable field).
  ///
  /// With no `fieldPaths` the labels are replaced by `labels`. Otherwise each path is `labels`
  /// (replace all) or `labels.<key>` (set that label to `labels[key]`, or remove it when
  /// `labels` has no value for it). `updated` becomes now. Empty values remove labels.
  ///
  /// - Throws: `notFound` if absent; `invalidArgument` for any other path ("name", "parent", "kind",
  ///   "created"...) or a bad label, and then nothing changes.
  @discardableResult
  public func update(key: String, labels: [String: String], fieldPaths: [String] = []) throws -> SnapshotInfo {
    let now = nowMicros()
    return try pool.write { db in
      let current = try Self.existing(db, name: key)
      var updated = current.labels
      if fieldPaths.isEmpty {
        updated = labels
      }
      for path in fieldPaths {
        if path == "labels" {
          updated = labels
        } else if path.hasPrefix("labels."), path.count > "labels.".count {
          let label = String(path.dropFirst("labels.".count))
          updated[label] = labels[label] ?? ""
        } else {
          throw SnapshotError.invalidArgument(
            reason:
              "cannot update \"\(path)\" field on snapshot \"\(key)\": only \"labels\" and \"labels.<key>\" are mutable"
          )
        }
      }
      try db.execute(sql: "UPDATE snapshot SET updated = ? WHERE id = ?", arguments: [now, current.id])
      try Self.replaceLabels(db, id: current.id, with: updated)
      return try Self.existing(db, name: key)
    }
  }

  /// Stores the usage the caller measured (containerd keeps it for committed snapshots and
  /// measures active ones live). Not a containerd field, so `updated` does not change.
  @discardableResult
  public func setUsage(key: String, size: Int64, inodes: Int64) throws -> SnapshotInfo {
    try pool.write { db in
      let current = try Self.existing(db, name: key)
      try db.execute(
        sql: "UPDATE snapshot SET size = ?, inodes = ? WHERE id = ?", arguments: [size, inodes, current.id]
      )
      return try Self.existing(db, name: key)
    }
  }

  /// Records how the snapshotter served this snapshot (all three replaced; nil clears). Kept by
  /// ``commit(name:key:labels:usage:)``; not a containerd field, so `updated` does not change.
  @discardableResult
  public func setLazyFields(key: String, lazyImage: String?, lazyLayerDigest: String?, outcome: String?) throws
    -> SnapshotInfo
  {
    try pool.write { db in
      let current = try Self.existing(db, name: key)
      try db.execute(
        sql: "UPDATE snapshot SET lazyImage = ?, lazyLayerDigest = ?, outcome = ? WHERE id = ?",
        arguments: [lazyImage, lazyLayerDigest, outcome, current.id]
      )
      return try Self.existing(db, name: key)
    }
  }
}
