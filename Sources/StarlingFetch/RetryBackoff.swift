/// Delays between rounds of attempts when every source failed: exponential so a registry
/// that is down is not hammered, capped so one that comes back is noticed soon, and
/// jittered so the fetchers of many nodes (or many frames) do not retry in lockstep.
struct RetryBackoff {
  /// The first delay (before jitter).
  let initial: Duration
  /// The largest delay (before jitter).
  let maximum: Duration
  private var current: Duration

  init(initial: Duration, maximum: Duration) {
    self.initial = max(initial, .zero)
    self.maximum = max(maximum, self.initial)
    self.current = self.initial
  }

  /// The next delay: between half and all of the current step, which then doubles.
  mutating func next(using generator: inout some RandomNumberGenerator) -> Duration {
    let step = current
    current = min(current * 2, maximum)
    return step * Double.random(in: 0.5...1.0, using: &generator)
  }

  /// The next delay, jittered with the system generator.
  mutating func next() -> Duration {
    var generator = SystemRandomNumberGenerator()
    return next(using: &generator)
  }
}
