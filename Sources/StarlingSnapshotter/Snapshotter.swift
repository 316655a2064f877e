public import Foundation
public import Logging
import StarlingFetch
import StarlingFormat
import StarlingMount
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
  /// Serves Starling layers lazily; nil: every layer takes the ordinary path.
  public let lazy: LazyLayers?
  let logger: Logger

  /// Opens the snapshotter's state under `root` (creating it, mode 0700).
  public init(root: URL, lazy: LazyLayers?, logger: Logger) throws {
    self.root = root
    self.lazy = lazy
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
  ///
  /// A layer of a Starling image pulled as a remote snapshot (see `LazyLayerRequest`) is
  /// mounted lazily instead, committed under containerd's target name, and answered with
  /// `alreadyExists` so containerd skips its download. Anything that goes wrong on the way
  /// falls back to the ordinary path; the outcome is logged and kept with the snapshot.
  public func prepare(key: String, parent: String?, labels: [String: String]) async throws -> [SnapshotMount] {
    var outcome: String?
    if let lazy {
      switch LazyLayerRequest.parse(labels) {
      case .success(let request):
        if (try? store.stat(key: request.target)) != nil { throw SnapshotError.alreadyExists(key: request.target) }
        do {
          try await prepareLazily(key: key, parent: parent, labels: labels, request: request, lazy: lazy)
          SnapshotterMetrics.layer(outcome: "lazy")
          logger.info(
            "layer mounted lazily",
            metadata: ["layer": "\(request.layerDigest)", "image": "\(request.image)", "snapshot": "\(request.target)"])
          throw SnapshotError.alreadyExists(key: request.target)
        } catch let fallback as LazyFallback {
          outcome = "ordinary: \(fallback)"
          SnapshotterMetrics.layer(outcome: "fallback")
          logger.warning(
            "layer falls back to the ordinary path",
            metadata: ["layer": "\(request.layerDigest)", "image": "\(request.image)", "reason": "\(fallback)"])
        }
      case .failure(let reason):
        outcome = "ordinary: \(reason)"
        if reason != .notRemote {
          SnapshotterMetrics.layer(outcome: "fallback")
          logger.info("layer takes the ordinary path", metadata: ["key": "\(key)", "reason": "\(reason)"])
        }
      }
    }
    let mounts = try create(key: key, parent: parent, labels: labels, kind: .active)
    if let outcome { _ = try? store.setLazyFields(key: key, lazyImage: nil, lazyLayerDigest: nil, outcome: outcome) }
    return mounts
  }

  /// Records, mounts and commits a lazy layer; undoes everything on failure.
  private func prepareLazily(
    key: String, parent: String?, labels: [String: String], request: LazyLayerRequest, lazy: LazyLayers
  ) async throws {
    let info = try store.prepare(key: key, parent: parent, labels: labels)
    let path = filesystem(info.id)
    do {
      try makeDirectories(info.id)
      let mount = try await lazy.mount(image: request.image, digest: request.layerDigest, at: path)
      // What the layer would take unpacked: the tar's size and its entries.
      let usage = SnapshotUsage(size: Int64(mount.fetcher.index.tarSize), inodes: Int64(mount.fetcher.index.entryCount))
      do {
        try store.commit(name: request.target, key: key, labels: labels, usage: usage)
        try store.setLazyFields(
          key: request.target, lazyImage: request.image, lazyLayerDigest: request.layerDigest, outcome: "lazy")
      } catch {
        await lazy.unmount(path)
        throw error
      }
    } catch {
      _ = try? store.remove(key: key)
      removeDirectory(info.id)
      throw error is LazyFallback ? error : LazyFallback.failed("\(error)")
    }
  }

  /// After a restart: serves every committed lazy layer again (a dead mount left by a
  /// killed daemon is detached first).
  public func restoreLazyLayers() async {
    guard let lazy, let infos = try? store.list() else { return }
    for info in infos where info.kind == .committed {
      guard let image = info.lazyImage, let digest = info.lazyLayerDigest else { continue }
      let path = filesystem(info.id)
      if MountTable.isMounted(path) { try? Syscall.unmount(path, lazy: true) }
      do {
        _ = try await lazy.mount(image: image, digest: digest, at: path)
        logger.info("lazy layer restored", metadata: ["snapshot": "\(info.name)", "layer": "\(digest)"])
      } catch {
        logger.error("lazy layer not restored", metadata: ["snapshot": "\(info.name)", "error": "\(error)"])
      }
    }
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
    if let lazy { await lazy.unmount(filesystem(info.id)) }
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
