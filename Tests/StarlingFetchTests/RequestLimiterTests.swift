import Testing

@testable import StarlingFetch

@Suite struct RequestLimiterTests {
  @Test func grantsUpToTheLimitThenQueuesInOrder() {
    var queue = LimiterQueue<String>(limit: 2)
    #expect(queue.enter("a", urgent: true) == nil)
    #expect(queue.enter("b", urgent: true) == nil)
    #expect(queue.enter("c", urgent: true) != nil)
    #expect(queue.enter("d", urgent: true) != nil)
    #expect(queue.inUse == 2)
    #expect(queue.leave() == "c")
    #expect(queue.leave() == "d")
    #expect(queue.leave() == nil)
    #expect(queue.leave() == nil)
    #expect(queue.inUse == 0)
  }

  @Test func urgentCallersGoFirstAndBackgroundNeverTakesTheirSlot() {
    var queue = LimiterQueue<String>(limit: 1)
    #expect(queue.enter("held", urgent: false) == nil)
    #expect(queue.enter("bg1", urgent: false) != nil)
    #expect(queue.enter("read1", urgent: true) != nil)
    #expect(queue.enter("read2", urgent: true) != nil)
    #expect(queue.leave() == "read1")
    #expect(queue.leave() == "read2")
    #expect(queue.leave() == "bg1")
    #expect(queue.leave() == nil)
    // A free slot with an urgent caller queued is not taken by background: impossible by
    // construction, since a waiter only queues when all slots are held.
    var busy = LimiterQueue<String>(limit: 2)
    _ = busy.enter("x", urgent: true)
    _ = busy.enter("y", urgent: true)
    _ = busy.enter("read", urgent: true)
    #expect(busy.enter("bg", urgent: false) != nil)
    #expect(busy.leave() == "read")
    #expect(busy.waiting == (urgent: 0, background: 1))
  }

  @Test func withdrawnAndPromotedWaiters() {
    let lane = ObjectIdentifier(FetchLane())
    var queue = LimiterQueue<String>(limit: 1)
    _ = queue.enter("held", urgent: true)
    let bg = queue.enter("bg", urgent: false, lane: lane)
    let other = queue.enter("other-bg", urgent: false)
    let cancelled = queue.enter("cancelled", urgent: true)
    let read = queue.enter("read", urgent: true)
    #expect(bg != nil && other != nil && read != nil)
    #expect(queue.withdraw(cancelled ?? 0) == "cancelled")
    #expect(queue.withdraw(cancelled ?? 0) == nil)
    queue.promote(lane)
    #expect(queue.leave() == "read")
    #expect(queue.leave() == "bg")
    #expect(queue.leave() == "other-bg")
  }

  @Test func limitsConcurrentHoldersAcrossTasks() async throws {
    let limiter = RequestLimiter(limit: 3)
    let counter = HolderCounter()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<12 {
        group.addTask {
          try await limiter.withSlot(lane: nil) {
            await counter.enter()
            try await Task.sleep(for: .milliseconds(10))
            await counter.leave()
          }
        }
      }
      try await group.waitForAll()
    }
    #expect(await counter.most == 3)
    #expect(limiter.snapshot == (inUse: 0, urgent: 0, background: 0))
  }

  @Test func aCancelledWaiterLeavesTheQueueAndHoldsNoSlot() async throws {
    let limiter = RequestLimiter(limit: 1)
    try await limiter.acquire(lane: nil)
    let waiter = Task { try await limiter.acquire(lane: FetchLane()) }
    while limiter.snapshot.background == 0 { await Task.yield() }
    waiter.cancel()
    await #expect(throws: CancellationError.self) { try await waiter.value }
    #expect(limiter.snapshot == (inUse: 1, urgent: 0, background: 0))
    limiter.release()
    #expect(limiter.snapshot.inUse == 0)
    // Already cancelled before asking: refused at once.
    let late = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      try await limiter.acquire(lane: nil)
    }
    await #expect(throws: CancellationError.self) { try await late.value }
    #expect(limiter.snapshot.inUse == 0)
  }
}

/// Counts tasks inside a section and the most at once.
actor HolderCounter {
  private var now = 0
  private(set) var most = 0

  func enter() {
    now += 1
    most = max(most, now)
  }

  func leave() { now -= 1 }
}
