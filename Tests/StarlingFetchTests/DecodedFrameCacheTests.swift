import Testing

@testable import StarlingFetch

@Suite struct DecodedFrameCacheTests {
  func frame(_ size: Int, _ fill: UInt8 = 0) -> [UInt8] { [UInt8](repeating: fill, count: size) }

  @Test func evictsTheLeastRecentlyUsedToStayWithinItsBytes() {
    var cache = DecodedFrameCache(capacity: 300)
    cache.insert(1, frame(100, 1))
    cache.insert(2, frame(100, 2))
    cache.insert(3, frame(100, 3))
    #expect(cache.get(1) == frame(100, 1))  // 1 is now the most recent; 2 the oldest
    cache.insert(4, frame(100, 4))
    #expect(cache.get(2) == nil)
    #expect(cache.contains(1) && cache.contains(3) && cache.contains(4))
    #expect(cache.bytes == 300 && cache.count == 3)
    cache.insert(5, frame(250))
    #expect(cache.count == 1 && cache.bytes == 250 && cache.contains(5))
  }

  @Test func replacingAnEntryKeepsTheByteCountRight() {
    var cache = DecodedFrameCache(capacity: 1000)
    cache.insert(1, frame(100))
    cache.insert(1, frame(400))
    #expect(cache.bytes == 400 && cache.count == 1)
  }

  @Test func framesLargerThanTheCacheAndAZeroCapacityAreNotKept() {
    var cache = DecodedFrameCache(capacity: 100)
    cache.insert(1, frame(101))
    #expect(cache.count == 0)
    var off = DecodedFrameCache(capacity: 0)
    off.insert(1, frame(1))
    #expect(off.get(1) == nil && off.bytes == 0)
  }

  @Test func manyHitsAndInsertsKeepTheOrderRight() {
    var cache = DecodedFrameCache(capacity: 10 * 8)
    for round in 0..<1000 {
      let key = UInt32(round % 37)
      if cache.get(key) == nil { cache.insert(key, frame(8, UInt8(key))) }
      // The ten most recent keys are always cached, and nothing else.
      #expect(cache.count <= 10 && cache.bytes == cache.count * 8)
      #expect(cache.contains(key))
    }
    // Sweep 0..<10 twice: the second sweep hits every key.
    for key in UInt32(0)..<10 where cache.get(key) == nil { cache.insert(key, frame(8)) }
    for key in UInt32(0)..<10 { #expect(cache.get(key) != nil) }
  }
}
