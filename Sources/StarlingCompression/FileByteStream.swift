#if canImport(Glibc)
  import Glibc
#endif

/// Reads a file descriptor sequentially, retrying EINTR; owns and closes the descriptor.
public final class FileByteStream: ByteStream {
  private let fd: Int32
  /// Bytes read so far.
  public private(set) var offset: Int64 = 0

  /// Opens `path` read-only.
  public init(path: String) throws(CompressionError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .io(operation: "open \(path)", errno: errno) }
    self.fd = fd
  }

  deinit {
    close(fd)
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    while true {
      let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
      if n >= 0 {
        offset += Int64(n)
        return n
      }
      if errno != EINTR { throw CompressionError.io(operation: "read", errno: errno) }
    }
  }
}
