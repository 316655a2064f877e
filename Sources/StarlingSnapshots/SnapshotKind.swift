/// The three kinds of snapshot containerd knows.
public enum SnapshotKind: Int, Sendable, Codable, CaseIterable {
  /// A read-only view of a committed parent.
  case view = 1
  /// A writable snapshot being prepared (a layer being applied, a container's root).
  case active = 2
  /// An immutable snapshot that others may use as a parent.
  case committed = 3

  /// The word containerd's filters use for this kind (`kind==committed`).
  public var filterName: String {
    switch self {
    case .view: "view"
    case .active: "active"
    case .committed: "committed"
    }
  }
}
