/// The state of a request limiter: `limit` slots, and the callers waiting for one in two
/// FIFO queues. Urgent callers (on-demand reads) are served before background ones
/// (read-ahead), and a background caller never takes a free slot while an urgent one
/// waits. Pure state, so the policy is tested without tasks or clocks; `Waiter` is what
/// the owner resumes when a slot is handed over.
struct LimiterQueue<Waiter> {
  /// One caller waiting for a slot.
  private struct Waiting {
    var id: UInt64
    var lane: ObjectIdentifier?
    var waiter: Waiter
  }

  /// Slots in all.
  let limit: Int
  /// Slots held.
  private(set) var inUse = 0
  private var urgent: [Waiting] = []
  private var background: [Waiting] = []
  private var nextID: UInt64 = 0

  init(limit: Int) { self.limit = max(limit, 1) }

  /// Callers waiting, urgent and background.
  var waiting: (urgent: Int, background: Int) { (urgent.count, background.count) }

  /// Takes a slot now (returns nil) or queues `waiter` and returns its ticket for
  /// `withdraw`. `lane` groups background callers that `promote` can move together.
  mutating func enter(_ waiter: Waiter, urgent isUrgent: Bool, lane: ObjectIdentifier? = nil) -> UInt64? {
    let free = inUse < limit && urgent.isEmpty && (isUrgent || background.isEmpty)
    if free {
      inUse += 1
      return nil
    }
    nextID += 1
    let item = Waiting(id: nextID, lane: lane, waiter: waiter)
    if isUrgent { urgent.append(item) } else { background.append(item) }
    return nextID
  }

  /// Gives back a slot: returns the waiter it passes to (who now holds it), if any.
  mutating func leave() -> Waiter? {
    if !urgent.isEmpty { return urgent.removeFirst().waiter }
    if !background.isEmpty { return background.removeFirst().waiter }
    inUse = max(inUse - 1, 0)
    return nil
  }

  /// Removes a queued caller (it was cancelled); returns its waiter if it was still queued.
  mutating func withdraw(_ ticket: UInt64) -> Waiter? {
    if let i = urgent.firstIndex(where: { $0.id == ticket }) { return urgent.remove(at: i).waiter }
    if let i = background.firstIndex(where: { $0.id == ticket }) { return background.remove(at: i).waiter }
    return nil
  }

  /// Moves the background callers of `lane` to the end of the urgent queue (an on-demand
  /// read now waits for their requests).
  mutating func promote(_ lane: ObjectIdentifier) {
    let moved = background.filter { $0.lane == lane }
    guard !moved.isEmpty else { return }
    background.removeAll { $0.lane == lane }
    urgent += moved
  }
}
