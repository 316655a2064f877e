import Synchronization

/// Identifies the requests of one read-ahead batch, so an on-demand read that comes to
/// wait for them can raise their priority.
final class FetchLane: Sendable {
  private let urgent = Atomic<Bool>(false)

  /// Whether an on-demand read waits for this lane's frames.
  var isUrgent: Bool { urgent.load(ordering: .relaxed) }

  func markUrgent() { urgent.store(true, ordering: .relaxed) }
}
