/// Failures of compression and decompression, naming what was being processed.
public enum CompressionError: Error, Equatable, CustomStringConvertible {
  /// libzstd reported an error.
  case zstd(operation: String, message: String)
  /// zlib reported an error.
  case zlib(operation: String, code: Int32, message: String)
  /// A frame did not decompress to the size its record promised.
  case sizeMismatch(expected: Int, actual: Int)
  /// Input ended inside a compressed stream.
  case truncated(what: String)
  /// The input is not in the expected format.
  case malformed(what: String, reason: String)
  /// An underlying read failed.
  case io(operation: String, errno: Int32)

  public var description: String {
    switch self {
    case .zstd(let op, let message): "zstd \(op) failed: \(message)"
    case .zlib(let op, let code, let message): "gzip \(op) failed (zlib \(code)): \(message)"
    case .sizeMismatch(let expected, let actual):
      "decompressed size mismatch: expected \(expected) bytes, got \(actual)"
    case .truncated(let what): "\(what) ends unexpectedly (truncated input)"
    case .malformed(let what, let reason): "malformed \(what): \(reason)"
    case .io(let op, let code): "\(op) failed: errno \(code)"
    }
  }
}

/// A pull source of bytes: returns 0 only at the end of input.
public protocol ByteStream {
  /// Fills up to `buffer.count` bytes; 0 means end of input.
  mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}
