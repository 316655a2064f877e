import CZlib

/// Streams the decompressed bytes of gzip input (concatenated members allowed); owns one
/// zlib `z_stream`.
public final class GzipStreamDecoder<Upstream: ByteStream>: ByteStream {
  private var upstream: Upstream
  private let stream: UnsafeMutablePointer<z_stream>
  private var input: [UInt8]
  private var inputEnded = false
  private var finished = false

  /// Decodes what `upstream` yields, reading it in `bufferSize` pieces.
  public init(upstream: Upstream, bufferSize: Int = 1 << 18) throws(CompressionError) {
    self.upstream = upstream
    self.input = [UInt8](repeating: 0, count: bufferSize)
    stream = .allocate(capacity: 1)
    stream.initialize(to: z_stream())
    // 16 + MAX_WBITS: expect a gzip header and trailer (CRC and length are verified by zlib).
    let code = CZlib_inflateInit2(stream, 16 + 15)
    guard code == Z_OK else {
      stream.deallocate()
      throw .zlib(operation: "init", code: code, message: "inflateInit2 failed")
    }
  }

  deinit {
    inflateEnd(stream)
    stream.deallocate()
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard !finished, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
    stream.pointee.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
    while stream.pointee.avail_out > 0 {
      if stream.pointee.avail_in == 0 && !inputEnded { try refill() }
      if stream.pointee.avail_in == 0 && inputEnded {
        if stream.pointee.total_in == 0 && stream.pointee.total_out == 0 { finished = true; break }
        throw CompressionError.truncated(what: "gzip stream")
      }
      let code = inflate(stream, Z_NO_FLUSH)
      if code == Z_STREAM_END {
        // Another member may follow (concatenated gzip, as pigz and some registries produce).
        if stream.pointee.avail_in == 0 && !inputEnded { try refill() }
        if stream.pointee.avail_in == 0 {
          finished = true
          break
        }
        let reset = inflateReset(stream)
        guard reset == Z_OK else { throw CompressionError.zlib(operation: "reset", code: reset, message: "") }
        continue
      }
      guard code == Z_OK || code == Z_BUF_ERROR else {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "corrupt data"
        throw CompressionError.zlib(operation: "inflate", code: code, message: message)
      }
      if code == Z_BUF_ERROR && stream.pointee.avail_in == 0 && inputEnded {
        throw CompressionError.truncated(what: "gzip stream")
      }
    }
    return buffer.count - Int(stream.pointee.avail_out)
  }

  private func refill() throws {
    let count = try input.withUnsafeMutableBytes { try upstream.read(into: $0) }
    if count == 0 {
      inputEnded = true
      stream.pointee.avail_in = 0
      return
    }
    input.withUnsafeMutableBytes { raw in
      stream.pointee.next_in = raw.baseAddress?.assumingMemoryBound(to: Bytef.self)
    }
    stream.pointee.avail_in = UInt32(count)
  }
}
