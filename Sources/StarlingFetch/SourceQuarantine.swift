import Synchronization

/// Sources that just failed are skipped for a while when a later source can serve instead:
/// a dead mirror or peer must not add its timeout to every read. The last source (the
/// registry) is never skipped; retrying it is the fetcher's job.
final class SourceQuarantine: Sendable {
  private let until: Mutex<[Int: ContinuousClock.Instant]> = Mutex([:])
  let period: Duration

  init(period: Duration) { self.period = period }

  /// Whether source `index` of `count` should be skipped now.
  func skips(_ index: Int, of count: Int) -> Bool {
    guard index < count - 1 else { return false }
    return until.withLock { ($0[index] ?? .now) > .now }
  }

  /// Source `index` failed: skip it for the period.
  func failed(_ index: Int) {
    until.withLock { $0[index] = .now + period }
  }

  /// Source `index` answered: it is healthy again.
  func succeeded(_ index: Int) {
    _ = until.withLock { $0.removeValue(forKey: index) }
  }
}
