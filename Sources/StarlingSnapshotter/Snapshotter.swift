public import Foundation
public import Logging
public import StarlingSnapshots
import StarlingSystem

/// containerd's snapshotter over overlayfs, with Starling's lazy layers.
///
/// Layout under `root`: `metadata.db` (the `SnapshotStore`), `snapshots/<id>/fs` (the
/// snapshot's own files: an upper dir, an unpacked layer, or the mount point of a lazy
/// layer) and `snapshots/<id>/work` (overlayfs's work dir). Ordinary snapshots behave
/// exactly like containerd's overlayfs snapshotter: containerd applies layers into the
/// mounts an active snapshot returns, and commits them.
public final class Snapshotter: Sendable {
  public let root: URL
  public let store: SnapshotStore
  let logger: Logger

  /// Opens the snapshotter's state under `root` (creating it, mode 0700).
  public init(root: URL, logger: Logger) throws {
    self.root = root
    self.logger = logger
    try FileManager.default.createDirectory(
      at: root.appending(path: "snapshots"), withIntermediateDirectories: true,
      attributes: [.posixPermissions: 0o700])
    store = try SnapshotStore(root: root.path)
  }

  func directory(_ id: Int64) -> URL { root.appending(path: "snapshots").appending(path: "\(id)") }
  func filesystem(_ id: Int64) -> String { directory(id).appending(path: "fs").path }
  func work(_ id: Int64) -> String { directory(id).appending(path: "work").path }

  /// Creates an active snapshot on `parent` and returns its mounts.
  public func prepare(key: String, parent: String?, labels: [String: String]) async throws -> [SnapshotMount] {
    try create(key: key, parent: parent, labels: labels, kind: .active)
  }

  /// Creates a read-only view of `parent` and returns its mounts.
  public func view(key: String, parent: String?, labels: [String: String]) throws -> [SnapshotMount] {
    try create(key: key, parent: parent, labels: labels, kind: .view)
  }

  private func create(key: String, parent: String?, labels: [String: String], kind: SnapshotKind) throws
    -> [SnapshotMount]
  {
    // Record first, directories second: a crash in between leaves a record whose
    // directories `mounts` recreates, never a directory nobody knows (Cleanup removes those).
    let info =
      kind == .active
      ? try store.prepare(key: key, parent: parent, labels: labels)
      : try store.view(key: key, parent: parent, labels: labels)
    do {
      try makeDirectories(info.id)
    } catch {
      _ = try? store.remove(key: key)
      throw error
    }
    return try mounts(info)
  }

  func makeDirectories(_ id: Int64) throws {
    for path in [filesystem(id), work(id)] {
      try FileManager.default.createDirectory(
        atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }
  }

  /// The mounts of an active or view snapshot.
  public func mounts(key: String) throws -> [SnapshotMount] {
    try mounts(try store.stat(key: key))
  }

  func mounts(_ info: SnapshotInfo) throws -> [SnapshotMount] {
    let parents = try store.ancestors(of: info.name).map(filesystem)
    switch info.kind {
    case .active:
      if parents.isEmpty { return [.bind(filesystem(info.id), readOnly: false)] }
      return [.overlay(lower: parents, upper: filesystem(info.id), work: work(info.id))]
    case .view, .committed:
      if parents.isEmpty { return [.bind(filesystem(info.id), readOnly: true)] }
      if parents.count == 1 { return [.bind(parents[0], readOnly: true)] }
      return [.overlay(lower: parents, upper: nil, work: nil)]
    }
  }

  /// Commits active snapshot `key` as `name`, recording its disk usage.
  public func commit(name: String, key: String, labels: [String: String]) throws {
    let info = try store.stat(key: key)
    let usage = (try? DirectoryUsage.measure(filesystem(info.id))) ?? .zero
    try store.commit(name: name, key: key, labels: labels, usage: usage)
  }

  /// Removes `key` (refused while it has children) and deletes its directory.
  public func remove(key: String) async throws {
    let info = try store.remove(key: key)
    removeDirectory(info.id)
  }

  func removeDirectory(_ id: Int64) {
    let path = directory(id)
    do { try FileManager.default.removeItem(at: path) } catch {
      // Cleanup retries what could not be removed now.
      logger.warning("could not remove snapshot directory", metadata: ["path": "\(path.path)", "error": "\(error)"])
    }
  }

  /// Disk usage: stored for committed snapshots, measured now for active ones.
  public func usage(key: String) throws -> SnapshotUsage {
    let info = try store.stat(key: key)
    if info.kind == .committed { return info.usage }
    return try DirectoryUsage.measure(filesystem(info.id))
  }

  /// Deletes directories no record refers to (leftovers of crashes and failed prepares).
  public func cleanup() throws {
    let base = root.appending(path: "snapshots")
    let ids = try FileManager.default.contentsOfDirectory(atPath: base.path).compactMap { Int64($0) }
    for id in try store.unreferencedDirectories(existing: ids) {
      logger.info("cleanup: removing unreferenced snapshot directory", metadata: ["id": "\(id)"])
      removeDirectory(id)
    }
  }
}
