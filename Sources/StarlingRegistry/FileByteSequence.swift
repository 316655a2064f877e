import Foundation
import NIOCore

/// Reads a byte range of a file as a sequence of 1 MiB buffers, for streaming uploads.
struct FileByteSequence: AsyncSequence, Sendable {
  typealias Element = ByteBuffer
  let file: URL
  let range: Range<Int64>
  let progress: (@Sendable (Int64) -> Void)?

  func makeAsyncIterator() -> Iterator {
    Iterator(file: file, range: range, progress: progress)
  }

  struct Iterator: AsyncIteratorProtocol {
    let file: URL
    let range: Range<Int64>
    let progress: (@Sendable (Int64) -> Void)?
    var handle: FileHandle?
    var offset: Int64 = 0

    init(file: URL, range: Range<Int64>, progress: (@Sendable (Int64) -> Void)?) {
      self.file = file
      self.range = range
      self.progress = progress
    }

    mutating func next() async throws -> ByteBuffer? {
      if handle == nil {
        let opened = try FileHandle(forReadingFrom: file)
        try opened.seek(toOffset: UInt64(range.lowerBound))
        handle = opened
      }
      let remaining = range.count - Int(offset)
      guard remaining > 0, let handle else {
        try? handle?.close()
        return nil
      }
      guard let data = try handle.read(upToCount: Swift.min(remaining, 1 << 20)), !data.isEmpty else {
        throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: file.path])
      }
      offset += Int64(data.count)
      progress?(offset)
      return ByteBuffer(bytes: data)
    }
  }
}
