/// Where the reader gets bytes: returns 0 only at end of input.
public protocol TarByteSource {
  /// Fills a prefix of `buffer` and returns its length; 0 means end of input.
  mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A byte source over bytes already in memory.
public struct TarBufferSource: TarByteSource, Sendable {
  private let bytes: [UInt8]
  private var position = 0

  /// A source that yields `bytes`, then end of input.
  public init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    let count = min(buffer.count, bytes.count - position)
    guard count > 0 else { return 0 }
    bytes.withUnsafeBytes { source in
      UnsafeMutableRawBufferPointer(rebasing: buffer[..<count])
        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
    }
    position += count
    return count
  }
}
