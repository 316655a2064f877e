import Testing

@testable import StarlingFetch

@Suite struct RetryBackoffTests {
  @Test func doublesUpToTheMaximumWithJitter() {
    var backoff = RetryBackoff(initial: .milliseconds(50), maximum: .seconds(2))
    var steps: [Duration] = []
    for _ in 0..<10 { steps.append(backoff.next()) }
    let bases: [Duration] = [50, 100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000].map { .milliseconds($0) }
    for (step, base) in zip(steps, bases) {
      #expect(step >= base / 2 && step <= base, "\(step) for \(base)")
    }
  }
}
