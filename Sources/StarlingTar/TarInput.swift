/// Buffered reads from a byte source, counting consumed bytes; content larger than the buffer bypasses it.
struct TarInput<Source: TarByteSource> {
  private(set) var source: Source
  private var buffer: [UInt8]
  private var start = 0
  private var end = 0
  private var sourceEnded = false
  /// Bytes handed to the reader so far (excludes bytes buffered but not yet consumed).
  private(set) var offset: Int64 = 0
  /// The error the source threw, kept so callers can inspect it.
  private(set) var sourceError: (any Error)?

  init(source: Source, bufferSize: Int = 64 * 1024) {
    self.source = source
    self.buffer = [UInt8](repeating: 0, count: bufferSize)
  }

  /// Copies up to `destination.count` bytes; returns 0 only at end of input.
  mutating func read(into destination: UnsafeMutableRawBufferPointer) throws(TarError) -> Int {
    guard !destination.isEmpty else { return 0 }
    if start == end {
      // Large reads go straight to the caller's memory: one copy fewer for file content.
      if destination.count >= buffer.count / 2 {
        let count = try readSource(into: destination)
        offset += Int64(count)
        return count
      }
      guard try refill() else { return 0 }
    }
    let count = min(destination.count, end - start)
    buffer.withUnsafeBytes { bytes in
      UnsafeMutableRawBufferPointer(rebasing: destination[..<count])
        .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]))
    }
    start += count
    offset += Int64(count)
    return count
  }

  /// Fills `destination` completely unless the input ends first; returns how many bytes were read.
  mutating func readFully(into destination: UnsafeMutableRawBufferPointer) throws(TarError) -> Int {
    var filled = 0
    while filled < destination.count {
      let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: destination[filled...]))
      if count == 0 { break }
      filled += count
    }
    return filled
  }

  /// Reads exactly `count` bytes into a new array; nil when the input ends first.
  mutating func readBytes(_ count: Int) throws(TarError) -> [UInt8]? {
    var bytes = [UInt8](repeating: 0, count: count)
    let filled = bytes.withUnsafeMutableBytes { raw in
      Result { () throws(TarError) in try readFully(into: raw) }
    }
    return try filled.get() == count ? bytes : nil
  }

  /// Discards up to `count` bytes; returns how many were discarded (fewer only at end of input).
  mutating func skip(_ count: Int64) throws(TarError) -> Int64 {
    var skipped: Int64 = 0
    while skipped < count {
      if start == end, !(try refill()) { break }
      let step = Int(min(Int64(end - start), count - skipped))
      start += step
      offset += Int64(step)
      skipped += Int64(step)
    }
    return skipped
  }

  private mutating func refill() throws(TarError) -> Bool {
    start = 0
    end = 0
    guard !sourceEnded else { return false }
    let result: Result<Int, any Error>
    // `buffer` and `source` are distinct stored properties, so both may be accessed at once.
    result = buffer.withUnsafeMutableBytes { raw in Result { try source.read(into: raw) } }
    end = try checked(result, capacity: buffer.count)
    return end > 0
  }

  private mutating func readSource(into destination: UnsafeMutableRawBufferPointer) throws(TarError) -> Int {
    guard !sourceEnded else { return 0 }
    return try checked(Result { try source.read(into: destination) }, capacity: destination.count)
  }

  private mutating func checked(_ result: Result<Int, any Error>, capacity: Int) throws(TarError) -> Int {
    switch result {
    case .failure(let error):
      sourceError = error
      throw .readFailed(offset: offset, reason: String(describing: error))
    case .success(let count):
      guard count >= 0, count <= capacity else {
        throw .readFailed(offset: offset, reason: "the byte source returned \(count) for a \(capacity)-byte buffer")
      }
      if count == 0 { sourceEnded = true }
      return count
    }
  }
}
