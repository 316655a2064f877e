import Foundation
import StarlingFormat

/// Appends to the output blob, tracking its size and sha256.
final class BlobWriter {
  private let handle: FileHandle
  private var hasher = DigestHasher()
  private var pending: [UInt8] = []
  /// Bytes written so far (the next frame's blob offset).
  private(set) var offset: UInt64 = 0

  init(url: URL) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
      throw ConvertError.io(path: url.path, reason: "cannot create output file")
    }
    handle = try FileHandle(forWritingTo: url)
  }

  func write(_ bytes: [UInt8]) throws {
    hasher.update(bytes)
    offset += UInt64(bytes.count)
    pending += bytes
    // Batch small frames into fewer write calls.
    if pending.count >= 1 << 20 { try flush() }
  }

  /// Flushes, closes, and returns the blob's digest and size.
  func finish() throws -> (Digest, UInt64) {
    try flush()
    try handle.synchronize()
    try handle.close()
    return (hasher.finalize(), offset)
  }

  private func flush() throws {
    guard !pending.isEmpty else { return }
    try handle.write(contentsOf: pending)
    pending.removeAll(keepingCapacity: true)
  }
}
