import CZstd

/// Decompresses single zstd frames whose size is known; owns one `ZSTD_DCtx`.
public final class ZstdDecompressor {
  private let context: OpaquePointer

  public init() throws(CompressionError) {
    guard let context = ZSTD_createDCtx() else {
      throw .zstd(operation: "create context", message: "out of memory")
    }
    self.context = context
  }

  deinit {
    ZSTD_freeDCtx(context)
  }

  /// Decompresses `frame`, which must be exactly one zstd frame of `expectedSize` bytes of content.
  ///
  /// The size is checked against both the frame header and the output, so a frame from a
  /// lying source can never make the caller read or allocate more than it asked for.
  public func decompressFrame(_ frame: UnsafeRawBufferPointer, expectedSize: Int) throws(CompressionError) -> [UInt8] {
    let frameLength = ZSTD_findFrameCompressedSize(frame.baseAddress, frame.count)
    if ZSTD_isError(frameLength) != 0 {
      throw .malformed(what: "zstd frame", reason: String(cString: ZSTD_getErrorName(frameLength)))
    }
    guard frameLength == frame.count else {
      throw .malformed(what: "zstd frame", reason: "frame is \(frameLength) bytes but \(frame.count) were given")
    }
    let declared = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
    guard declared == UInt64(expectedSize) else {
      throw .sizeMismatch(expected: expectedSize, actual: declared >= UInt64(Int.max) ? -1 : Int(declared))
    }
    var output = [UInt8](repeating: 0, count: expectedSize)
    let written = output.withUnsafeMutableBytes { out in
      ZSTD_decompressDCtx(context, out.baseAddress, out.count, frame.baseAddress, frame.count)
    }
    if ZSTD_isError(written) != 0 {
      throw .zstd(operation: "decompress", message: String(cString: ZSTD_getErrorName(written)))
    }
    guard written == expectedSize else { throw .sizeMismatch(expected: expectedSize, actual: written) }
    return output
  }

  /// The content size a frame's header declares, or nil when it declares none or is not a frame.
  public static func declaredContentSize(_ frame: [UInt8]) -> UInt64? {
    let size = frame.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
    // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest values.
    return size >= UInt64.max - 1 ? nil : size
  }

  /// Decompresses a frame held in an array.
  public func decompressFrame(_ frame: [UInt8], expectedSize: Int) throws -> [UInt8] {
    try frame.withUnsafeBytes { try decompressFrame($0, expectedSize: expectedSize) }
  }
}
