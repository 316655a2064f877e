import CZstd

/// Compresses independent zstd frames; owns one `ZSTD_CCtx` (not thread-safe: one per worker).
public final class ZstdCompressor {
  private let context: OpaquePointer
  /// The compression level in use.
  public let level: Int32

  /// A compressor at `level` (1...19; 3 is zstd's default).
  public init(level: Int32 = 3) throws(CompressionError) {
    guard let context = ZSTD_createCCtx() else {
      throw .zstd(operation: "create context", message: "out of memory")
    }
    self.context = context
    self.level = level
    try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level), "set level")
    // The frame header records the content size so readers can size buffers and check lengths.
    try check(ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1), "set content size flag")
    try check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0), "set checksum flag")
  }

  deinit {
    ZSTD_freeCCtx(context)
  }

  /// Compresses `input` into exactly one self-contained frame.
  public func compressFrame(_ input: UnsafeRawBufferPointer) throws(CompressionError) -> [UInt8] {
    let bound = ZSTD_compressBound(input.count)
    var output = [UInt8](repeating: 0, count: bound)
    let written = output.withUnsafeMutableBytes { out in
      ZSTD_compress2(context, out.baseAddress, out.count, input.baseAddress, input.count)
    }
    try check(written, "compress")
    output.removeSubrange(written...)
    return output
  }

  /// Compresses an array of bytes into one frame.
  public func compressFrame(_ input: [UInt8]) throws -> [UInt8] {
    try input.withUnsafeBytes { try compressFrame($0) }
  }

  private func check(_ code: Int, _ operation: String) throws(CompressionError) {
    if ZSTD_isError(code) != 0 {
      throw .zstd(operation: operation, message: String(cString: ZSTD_getErrorName(code)))
    }
  }
}
