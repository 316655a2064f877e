import Testing

@testable import StarlingFetch

/// Following a sequential reader: when to read ahead, and when not.
@Suite struct SequentialWindowTests {
  let mib: UInt64 = 1 << 20

  @Test func aSequentialReaderGetsTheNextWindowBeforeItRunsOut() {
    var window = SequentialWindow(readEnd: 0, aheadUntil: 64 * mib)
    // Well inside what open-time read-ahead covers: nothing to do.
    #expect(window.advance(by: 0..<mib, window: 16 * mib, slack: 8 * mib, fileSize: 1024 * mib) == nil)
    var position = mib
    var fetched: [Range<UInt64>] = []
    while position < 100 * mib {
      if let next = window.advance(
        by: position..<position + mib, window: 16 * mib, slack: 8 * mib, fileSize: 1024 * mib)
      {
        fetched.append(next)
      }
      position += mib
    }
    // Contiguous windows from where open-time read-ahead stopped, always ahead of the reader.
    #expect(fetched.first?.lowerBound == 64 * mib)
    #expect(zip(fetched, fetched.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    #expect(fetched.allSatisfy { $0.count == Int(16 * mib) })
    #expect(window.aheadUntil >= 100 * mib + 8 * mib)
  }

  @Test func slightlyOutOfOrderKernelReadsStillCountAsSequential() {
    var window = SequentialWindow(readEnd: 10 * mib, aheadUntil: 12 * mib)
    #expect(
      window.advance(by: 9 * mib..<10 * mib, window: 16 * mib, slack: 8 * mib, fileSize: 1024 * mib) == 12 * mib..<28
        * mib)
  }

  @Test func randomReadsNeverReadAheadAndTheWindowStopsAtTheEnd() {
    var window = SequentialWindow(readEnd: 0, aheadUntil: 0)
    #expect(
      window.advance(by: 500 * mib..<500 * mib + 4096, window: 16 * mib, slack: 8 * mib, fileSize: 1024 * mib) == nil)
    #expect(
      window.advance(by: 100 * mib..<100 * mib + 4096, window: 16 * mib, slack: 8 * mib, fileSize: 1024 * mib) == nil)
    var tail = SequentialWindow(readEnd: 1000 * mib, aheadUntil: 1005 * mib)
    #expect(
      tail.advance(by: 1000 * mib..<1001 * mib, window: 16 * mib, slack: 8 * mib, fileSize: 1020 * mib) == 1005
        * mib..<1020 * mib)
    #expect(tail.advance(by: 1001 * mib..<1002 * mib, window: 16 * mib, slack: 8 * mib, fileSize: 1020 * mib) == nil)
  }
}
