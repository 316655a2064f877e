public import ContainerdAPI
public import GRPCCore
public import Logging
import StarlingSnapshots
public import SwiftProtobuf

/// containerd's `containerd.services.snapshots.v1.Snapshots` over a `Snapshotter`:
/// translates messages and maps `SnapshotError`s to the gRPC codes containerd's client
/// turns back into its errdefs (NotFound, AlreadyExists, FailedPrecondition,
/// InvalidArgument); anything else is Internal.
public struct SnapshotsService: Containerd_Services_Snapshots_V1_Snapshots.SimpleServiceProtocol {
  let snapshotter: Snapshotter
  let logger: Logger

  public init(snapshotter: Snapshotter, logger: Logger) {
    self.snapshotter = snapshotter
    self.logger = logger
  }

  public func prepare(request: Containerd_Services_Snapshots_V1_PrepareSnapshotRequest, context: ServerContext)
    async throws -> Containerd_Services_Snapshots_V1_PrepareSnapshotResponse
  {
    try await rpc("prepare", request.key) {
      let mounts = try await snapshotter.prepare(
        key: request.key, parent: request.parent.nonEmpty, labels: request.labels)
      return .with { $0.mounts = mounts.map(\.message) }
    }
  }

  public func view(request: Containerd_Services_Snapshots_V1_ViewSnapshotRequest, context: ServerContext)
    async throws -> Containerd_Services_Snapshots_V1_ViewSnapshotResponse
  {
    try await rpc("view", request.key) {
      let mounts = try snapshotter.view(key: request.key, parent: request.parent.nonEmpty, labels: request.labels)
      return .with { $0.mounts = mounts.map(\.message) }
    }
  }

  public func mounts(request: Containerd_Services_Snapshots_V1_MountsRequest, context: ServerContext)
    async throws -> Containerd_Services_Snapshots_V1_MountsResponse
  {
    try await rpc("mounts", request.key) {
      try .with { $0.mounts = try snapshotter.mounts(key: request.key).map(\.message) }
    }
  }

  public func commit(request: Containerd_Services_Snapshots_V1_CommitSnapshotRequest, context: ServerContext)
    async throws -> Google_Protobuf_Empty
  {
    try await rpc("commit", request.key) {
      try snapshotter.commit(name: request.name, key: request.key, labels: request.labels)
      return Google_Protobuf_Empty()
    }
  }

  public func remove(request: Containerd_Services_Snapshots_V1_RemoveSnapshotRequest, context: ServerContext)
    async throws -> Google_Protobuf_Empty
  {
    try await rpc("remove", request.key) {
      try await snapshotter.remove(key: request.key)
      return Google_Protobuf_Empty()
    }
  }

  public func stat(request: Containerd_Services_Snapshots_V1_StatSnapshotRequest, context: ServerContext)
    async throws -> Containerd_Services_Snapshots_V1_StatSnapshotResponse
  {
    try await rpc("stat", request.key) {
      try .with { $0.info = try snapshotter.store.stat(key: request.key).message }
    }
  }

  public func update(request: Containerd_Services_Snapshots_V1_UpdateSnapshotRequest, context: ServerContext)
    async throws -> Containerd_Services_Snapshots_V1_UpdateSnapshotResponse
  {
    try await rpc("update", request.info.name) {
      let info = try snapshotter.store.update(
        key: request.info.name, labels: request.info.labels, fieldPaths: request.updateMask.paths)
      return .with { $0.info = info.message }
    }
  }

  public func list(
    request: Containerd_Services_Snapshots_V1_ListSnapshotsRequest,
    response: RPCWriter<Containerd_Services_Snapshots_V1_ListSnapshotsResponse>, context: ServerContext
  ) async throws {
    let infos = try await rpc("list", request.filters.joined(separator: " | ")) {
      try snapshotter.store.list(filters: request.filters)
    }
    // Batches keep each message well under gRPC's 4 MiB default.
    for start in stride(from: 0, to: infos.count, by: 100) {
      try await response.write(.with { $0.info = infos[start..<min(start + 100, infos.count)].map(\.message) })
    }
  }

  public func usage(request: Containerd_Services_Snapshots_V1_UsageRequest, context: ServerContext)
    async throws -> Containerd_Services_Snapshots_V1_UsageResponse
  {
    try await rpc("usage", request.key) {
      let usage = try snapshotter.usage(key: request.key)
      return .with {
        $0.size = usage.size
        $0.inodes = usage.inodes
      }
    }
  }

  public func cleanup(request: Containerd_Services_Snapshots_V1_CleanupRequest, context: ServerContext)
    async throws -> Google_Protobuf_Empty
  {
    try await rpc("cleanup", "") {
      try snapshotter.cleanup()
      return Google_Protobuf_Empty()
    }
  }

  /// Runs one call: logs it and turns errors into the status containerd expects.
  func rpc<T>(_ method: String, _ key: String, _ body: () async throws -> T) async throws -> T {
    let start = ContinuousClock.now
    do {
      let result = try await body()
      SnapshotterMetrics.call(method, code: "ok", duration: start.duration(to: .now))
      logger.debug("\(method)", metadata: ["key": "\(key)"])
      return result
    } catch let error as SnapshotError {
      SnapshotterMetrics.call(method, code: "\(error.code)", duration: start.duration(to: .now))
      logger.debug("\(method) refused", metadata: ["key": "\(key)", "error": "\(error)"])
      throw RPCError(code: error.code.rpcCode, message: error.description)
    } catch let error as RPCError {
      SnapshotterMetrics.call(method, code: "\(error.code)", duration: start.duration(to: .now))
      throw error
    } catch {
      SnapshotterMetrics.call(method, code: "internal", duration: start.duration(to: .now))
      logger.error("\(method) failed", metadata: ["key": "\(key)", "error": "\(error)"])
      throw RPCError(code: .internalError, message: "\(method) \(key): \(error)")
    }
  }
}
