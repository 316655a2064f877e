public import Foundation

/// Disk usage of a snapshot's directory, as measured by the caller.
public struct SnapshotUsage: Sendable, Equatable {
  /// Bytes used by the snapshot's own directory (not its parents).
  public var size: Int64
  /// Inodes used by the snapshot's own directory.
  public var inodes: Int64

  public init(size: Int64, inodes: Int64) {
    self.size = size
    self.inodes = inodes
  }

  /// Nothing measured yet.
  public static let zero = SnapshotUsage(size: 0, inodes: 0)
}

/// One snapshot record, as containerd's `snapshots.Info` plus Starling's own columns.
public struct SnapshotInfo: Sendable, Equatable {
  /// Stable, unique and never reused; names the on-disk directory `snapshots/<id>`.
  /// Committing keeps the id, so the directory stays where it is.
  public var id: Int64
  /// The key of an active or view snapshot, or the name of a committed one.
  public var name: String
  /// The name of the committed parent, or nil for a snapshot with no parent.
  public var parent: String?
  /// View, active or committed.
  public var kind: SnapshotKind
  /// Labels; values are never empty (an empty value removes the label, as in containerd).
  public var labels: [String: String]
  /// When the record was created; committing resets it, as containerd does.
  public var created: Date
  /// When the record last changed (creation, commit or label update).
  public var updated: Date
  /// The usage the caller stored at commit or with ``SnapshotStore/setUsage(key:size:inodes:)``.
  public var usage: SnapshotUsage
  /// The image reference this layer is served lazily from, if it is lazy.
  public var lazyImage: String?
  /// The digest of the layer served lazily, if it is lazy.
  public var lazyLayerDigest: String?
  /// Free-form note of what the snapshotter decided ("lazy", "ordinary: <reason>").
  public var outcome: String?

  public init(
    id: Int64, name: String, parent: String?, kind: SnapshotKind, labels: [String: String], created: Date,
    updated: Date, usage: SnapshotUsage = .zero, lazyImage: String? = nil, lazyLayerDigest: String? = nil,
    outcome: String? = nil
  ) {
    self.id = id
    self.name = name
    self.parent = parent
    self.kind = kind
    self.labels = labels
    self.created = created
    self.updated = updated
    self.usage = usage
    self.lazyImage = lazyImage
    self.lazyLayerDigest = lazyLayerDigest
    self.outcome = outcome
  }
}
