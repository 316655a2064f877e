import Foundation
import GRDB

/// Reading and writing records inside a transaction.
extension SnapshotStore {
  static let selectInfo = """
    SELECT s.id, s.name, p.name AS parentName, s.kind, s.created, s.updated, s.size, s.inodes,
           s.lazyImage, s.lazyLayerDigest, s.outcome
    FROM snapshot s LEFT JOIN snapshot p ON p.id = s.parentID
    """

  /// The record with this key or name, or nil.
  static func info(_ db: Database, name: String) throws -> SnapshotInfo? {
    guard let row = try Row.fetchOne(db, sql: selectInfo + " WHERE s.name = ?", arguments: [name]) else { return nil }
    return try info(row, labels: labels(db, id: row["id"]))
  }

  /// The record with this key or name, or `notFound`.
  static func existing(_ db: Database, name: String) throws -> SnapshotInfo {
    guard let info = try info(db, name: name) else { throw SnapshotError.notFound(key: name) }
    return info
  }

  /// Records matching an SQL condition on `s`, in containerd's walk order (byte order of names).
  static func infos(_ db: Database, where condition: String = "1", arguments: StatementArguments = []) throws
    -> [SnapshotInfo]
  {
    let rows = try Row.fetchAll(db, sql: selectInfo + " WHERE \(condition) ORDER BY s.name", arguments: arguments)
    var labelsByID: [Int64: [String: String]] = [:]
    if !rows.isEmpty {
      // The same condition again rather than `IN (ids...)`, which would hit SQLite's variable limit.
      let labelRows = try Row.fetchAll(
        db,
        sql:
          "SELECT l.snapshotID, l.key, l.value FROM label l JOIN snapshot s ON s.id = l.snapshotID WHERE \(condition)",
        arguments: arguments
      )
      for row in labelRows {
        labelsByID[row["snapshotID"], default: [:]][row["key"]] = row["value"] as String
      }
    }
    return try rows.map { try info($0, labels: labelsByID[$0["id"]] ?? [:]) }
  }

  static func labels(_ db: Database, id: Int64) throws -> [String: String] {
    let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM label WHERE snapshotID = ?", arguments: [id])
    return Dictionary(uniqueKeysWithValues: rows.map { ($0["key"] as String, $0["value"] as String) })
  }

  /// Replaces a record's labels. Validation happens here, inside the caller's transaction, so a bad
  /// label rolls back whatever the operation already changed.
  static func replaceLabels(_ db: Database, id: Int64, with labels: [String: String]) throws {
    try db.execute(sql: "DELETE FROM label WHERE snapshotID = ?", arguments: [id])
    for (key, value) in try SnapshotLabels.normalized(labels) {
      try db.execute(sql: "INSERT INTO label (snapshotID, key, value) VALUES (?, ?, ?)", arguments: [id, key, value])
    }
  }

  private static func info(_ row: Row, labels: [String: String]) throws -> SnapshotInfo {
    let rawKind: Int = row["kind"]
    guard let kind = SnapshotKind(rawValue: rawKind) else {
      throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "snapshot kind \(rawKind) is not 1, 2 or 3")
    }
    return SnapshotInfo(
      id: row["id"],
      name: row["name"],
      parent: row["parentName"],
      kind: kind,
      labels: labels,
      created: date(micros: row["created"]),
      updated: date(micros: row["updated"]),
      usage: SnapshotUsage(size: row["size"], inodes: row["inodes"]),
      lazyImage: row["lazyImage"],
      lazyLayerDigest: row["lazyLayerDigest"],
      outcome: row["outcome"]
    )
  }

  private static func date(micros: Int64) -> Date {
    Date(timeIntervalSince1970: Double(micros) / 1_000_000)
  }
}
