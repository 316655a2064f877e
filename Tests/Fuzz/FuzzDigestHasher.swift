// Stand-in for StarlingFormat's DigestHasher when fuzzing: the real one wraps swift-crypto, which Tools/fuzz.sh
// does not compile into the single-module fuzz binary. Hash values do not matter to the decoder paths fuzzed.

public struct DigestHasher {
  private var state: [UInt8] = Array(repeating: 0, count: 32)
  private var count = 0

  public init() {}

  public mutating func update<D: Sequence>(_ data: D) where D.Element == UInt8 {
    for byte in data {
      state[count % 32] ^= byte &+ UInt8(truncatingIfNeeded: count)
      count += 1
    }
  }

  public mutating func update(_ buffer: UnsafeRawBufferPointer) { update(Array(buffer)) }

  public func finalize() -> Digest { Digest(sha256: state) }
}
