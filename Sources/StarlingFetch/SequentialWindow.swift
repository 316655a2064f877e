/// Where a file's reader is and how far ahead of it frames are being fetched: the state of
/// following a sequential reader (pure, so its rule is tested without I/O).
struct SequentialWindow: Equatable, Sendable {
  /// End of the furthest read so far.
  var readEnd: UInt64
  /// Read-ahead reaches up to here.
  var aheadUntil: UInt64

  /// Records a read of `range`; returns the range to read ahead next, if the reader is
  /// sequential (the read starts within `slack` of the furthest end, since the kernel's own
  /// read-ahead requests arrive slightly out of order) and is within half a `window` of
  /// where read-ahead stops. A read far from the last one (random access) starts over.
  mutating func advance(by range: Range<UInt64>, window: UInt64, slack: UInt64, fileSize: UInt64) -> Range<UInt64>? {
    let sequential = range.lowerBound <= readEnd + slack && range.upperBound + slack >= readEnd
    if !sequential {
      readEnd = range.upperBound
      aheadUntil = max(aheadUntil, range.upperBound)
      return nil
    }
    readEnd = max(readEnd, range.upperBound)
    guard readEnd + window / 2 >= aheadUntil, aheadUntil < fileSize else { return nil }
    let start = max(aheadUntil, readEnd)
    let end = min(start + window, fileSize)
    aheadUntil = end
    return start < end ? start..<end : nil
  }
}
