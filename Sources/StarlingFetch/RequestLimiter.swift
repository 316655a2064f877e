import Synchronization

/// Bounds the Range requests one fetcher has in flight to its sources; callers beyond the
/// bound wait in FIFO order, on-demand reads ahead of read-ahead (see `LimiterQueue`).
/// A mutex rather than an actor: cancellation handlers run synchronously and must be able
/// to withdraw a waiter at once.
final class RequestLimiter: Sendable {
  private let state: Mutex<LimiterQueue<CheckedContinuation<Void, any Error>>>

  init(limit: Int) { state = Mutex(LimiterQueue(limit: limit)) }

  /// Slots held and callers waiting, for tests.
  var snapshot: (inUse: Int, urgent: Int, background: Int) {
    state.withLock { ($0.inUse, $0.waiting.urgent, $0.waiting.background) }
  }

  /// Runs `body` holding one slot. `lane` nil is an on-demand request; a lane marks
  /// read-ahead work, which is urgent only once promoted.
  func withSlot<T: Sendable>(lane: FetchLane?, _ body: () async throws -> T) async throws -> T {
    try await acquire(lane: lane)
    defer { release() }
    return try await body()
  }

  /// Waits for a slot; throws `CancellationError` (holding none) if the task is cancelled.
  func acquire(lane: FetchLane?) async throws {
    let ticket = Mutex<UInt64?>(nil)
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let admitted: Bool = state.withLock { queue in
          // Checked under the lock: a cancellation after this finds the waiter queued.
          if Task.isCancelled { return false }
          let urgent = lane.map { $0.isUrgent } ?? true
          let id = queue.enter(continuation, urgent: urgent, lane: lane.map(ObjectIdentifier.init))
          ticket.withLock { $0 = id }
          if id == nil { continuation.resume() }
          return true
        }
        if !admitted { continuation.resume(throwing: CancellationError()) }
      }
    } onCancel: {
      let waiter = state.withLock { queue in ticket.withLock { $0 }.flatMap { queue.withdraw($0) } }
      waiter?.resume(throwing: CancellationError())
    }
  }

  /// Gives back a slot, handing it to the next waiter.
  func release() {
    state.withLock { $0.leave() }?.resume()
  }

  /// Makes `lane` urgent: its queued and future requests go ahead of read-ahead.
  func promote(_ lane: FetchLane) {
    state.withLock { queue in
      lane.markUrgent()
      queue.promote(ObjectIdentifier(lane))
    }
  }
}
