/// Where the reader is inside the current member's data, and how stored bytes map to logical content.
struct TarContent {
  /// Stored data bytes (after the header) not yet consumed.
  var storedRemaining: Int64 = 0
  /// Zero bytes after the stored data up to the next block boundary.
  var padding: Int64 = 0
  /// Whether `readContent` returns data: only for a regular file that was returned without error.
  var readable = false
  var logicalSize: Int64 = 0
  var position: Int64 = 0
  /// Data runs of a sparse file; empty for a plain file, whose stored bytes are its content.
  var segments: [TarSparseSegment] = []
  var isSparse = false
  private var segmentIndex = 0

  init(storedSize: Int64 = 0) {
    storedRemaining = storedSize
    padding = Int64(TarWriter.padding(forContentSize: storedSize))
  }

  mutating func read<Source>(
    into buffer: UnsafeMutableRawBufferPointer, from input: inout TarInput<Source>, path: String?
  ) throws(TarError) -> Int {
    var count = Int(min(Int64(buffer.count), logicalSize - position))
    if isSparse {
      while segmentIndex < segments.count,
        segments[segmentIndex].offset + segments[segmentIndex].length <= position
      {
        segmentIndex += 1
      }
      let segment = segmentIndex < segments.count ? segments[segmentIndex] : nil
      if let segment, segment.offset <= position {
        count = Int(min(Int64(count), segment.offset + segment.length - position))
      } else {
        // A hole: zeros up to the next run or the end of the file.
        count = Int(min(Int64(count), (segment?.offset ?? logicalSize) - position))
        UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]).initializeMemory(as: UInt8.self, repeating: 0)
        position += Int64(count)
        return count
      }
    }
    let read = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]))
    guard read > 0 else { throw .truncated(path: path, offset: input.offset) }
    position += Int64(read)
    storedRemaining -= Int64(read)
    return read
  }
}
