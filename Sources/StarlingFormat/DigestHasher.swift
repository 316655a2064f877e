import Crypto
public import Foundation

/// Incremental sha256 for streams too large to hold in memory.
public struct DigestHasher {
  private var hasher = SHA256()

  public init() {}

  /// Feeds more bytes.
  public mutating func update(_ data: some DataProtocol) {
    hasher.update(data: data)
  }

  /// Feeds raw bytes.
  public mutating func update(_ buffer: UnsafeRawBufferPointer) {
    hasher.update(bufferPointer: buffer)
  }

  /// The digest of everything fed so far.
  public func finalize() -> Digest {
    Digest(sha256: hasher.finalize())
  }
}
