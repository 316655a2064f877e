import CZstd

/// Streams the decompressed bytes of a zstd stream (many frames; skippable frames are
/// skipped); owns one `ZSTD_DStream`.
public final class ZstdStreamDecoder<Upstream: ByteStream>: ByteStream {
  private var upstream: Upstream
  private let context: OpaquePointer
  private var input: [UInt8]
  private var inputPosition = 0
  private var inputCount = 0
  private var inputEnded = false
  private var lastHint = 1

  public init(upstream: Upstream, bufferSize: Int = 1 << 18) throws(CompressionError) {
    guard let context = ZSTD_createDCtx() else { throw .zstd(operation: "create context", message: "out of memory") }
    self.upstream = upstream
    self.context = context
    self.input = [UInt8](repeating: 0, count: bufferSize)
  }

  deinit {
    ZSTD_freeDCtx(context)
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    var produced = 0
    while produced < buffer.count {
      if inputPosition == inputCount && !inputEnded {
        inputCount = try input.withUnsafeMutableBytes { try upstream.read(into: $0) }
        inputPosition = 0
        if inputCount == 0 { inputEnded = true }
      }
      if inputPosition == inputCount && inputEnded {
        // lastHint == 0 means the last frame was complete.
        guard lastHint == 0 || produced > 0 else { throw CompressionError.truncated(what: "zstd stream") }
        if lastHint != 0 && produced == 0 { throw CompressionError.truncated(what: "zstd stream") }
        break
      }
      var out = ZSTD_outBuffer(dst: base + produced, size: buffer.count - produced, pos: 0)
      let hint = input.withUnsafeBytes { raw -> Int in
        var inBuf = ZSTD_inBuffer(src: raw.baseAddress, size: inputCount, pos: inputPosition)
        let r = ZSTD_decompressStream(context, &out, &inBuf)
        inputPosition = inBuf.pos
        return r
      }
      if ZSTD_isError(hint) != 0 {
        throw CompressionError.zstd(operation: "decompress stream", message: String(cString: ZSTD_getErrorName(hint)))
      }
      lastHint = hint
      produced += out.pos
      if out.pos == 0 && inputPosition == inputCount && inputEnded { break }
    }
    if produced == 0 && lastHint != 0 && inputEnded { throw CompressionError.truncated(what: "zstd stream") }
    return produced
  }
}
