import Foundation
import StarlingCompression
import StarlingFormat
import StarlingOCI
import StarlingTar

/// The state of one layer conversion: frames being assembled, the index being built.
struct LayerRun {
  let options: ConversionOptions
  let name: String
  let output: URL
  let writer: BlobWriter
  let pipeline: FramePipeline
  let builder = ChunkIndexBuilder()
  let tarWriter = TarWriter()
  /// Bytes for the next group frame (tar headers, padding, small files).
  var group: [UInt8] = []
  /// Tar stream bytes produced so far.
  var streamOffset: UInt64 = 0
  /// Tar stream offset of the next frame to be written to the blob.
  var writtenStreamOffset: UInt64 = 0
  var streamHasher = DigestHasher()
  var stats = LayerStats()

  init(options: ConversionOptions, name: String, output: URL, pipeline: FramePipeline) throws {
    self.options = options
    self.name = name
    self.output = output
    self.pipeline = pipeline
    self.writer = try BlobWriter(url: output)
  }

  mutating func copyEntries<Source: TarByteSource>(from reader: TarReader<Source>) throws {
    var reader = reader
    while let entry = try tar({ () throws(TarError) in try reader.next() }) {
      stats.entries += 1
      emit(try tar { () throws(TarError) in try tarWriter.header(for: entry) })
      var contentOffset: UInt64 = 0
      if entry.kind == .regular {
        stats.regularFiles += 1
        contentOffset = streamOffset
        try copyContent(of: entry, from: &reader)
      }
      try record(entry, contentOffset: contentOffset)
      if group.count >= options.groupSize { try flushGroup() }
    }
    // Read the source to its end so its compression trailer (gzip CRC and length) is checked.
    _ = try tar { () throws(TarError) in try reader.drain() }
    emit(TarWriter.endOfArchive)
    try flushGroup()
  }

  private mutating func copyContent<Source: TarByteSource>(of entry: TarEntry, from reader: inout TarReader<Source>)
    throws
  {
    guard entry.size > 0 else { return }
    if entry.size <= Int64(options.inlineLimit) {
      var content = [UInt8](repeating: 0, count: Int(entry.size))
      try readExactly(&reader, into: &content, path: entry.path)
      emit(content)
    } else {
      // Large files start a fresh frame so each chunk frame holds only this file's bytes.
      try flushGroup()
      var remaining = entry.size
      while remaining > 0 {
        var chunk = [UInt8](repeating: 0, count: Int(min(Int64(options.chunkSize), remaining)))
        try readExactly(&reader, into: &chunk, path: entry.path)
        streamHasher.update(chunk)
        streamOffset += UInt64(chunk.count)
        remaining -= Int64(chunk.count)
        try write(try pipeline.submit(chunk, isChunk: true))
      }
    }
    emit([UInt8](repeating: 0, count: TarWriter.padding(forContentSize: entry.size)))
  }

  private func readExactly<Source: TarByteSource>(
    _ reader: inout TarReader<Source>, into buffer: inout [UInt8], path: String
  ) throws {
    var filled = 0
    while filled < buffer.count {
      let n = try buffer.withUnsafeMutableBytes { raw in
        try tar { () throws(TarError) in
          try reader.readContent(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
        }
      }
      guard n > 0 else {
        throw ConvertError.tar(layer: name, underlying: .truncated(path: path, offset: reader.offset))
      }
      filled += n
    }
  }

  /// Adds the entry to the index the way an unpacker applies it.
  private mutating func record(_ entry: TarEntry, contentOffset: UInt64) throws {
    if entry.isOpaqueWhiteout {
      builder.markOpaque(directory: parentPath(entry.path))
    } else if let target = entry.whiteoutTarget, entry.isWhiteout {
      builder.addWhiteout(
        path: target, mtimeSeconds: entry.modificationTime.seconds,
        mtimeNanoseconds: entry.modificationTime.nanoseconds)
    } else if entry.kind == .hardLink {
      do {
        try builder.addHardLink(path: entry.path, target: entry.linkTarget)
      } catch {
        throw ConvertError.index(layer: name, underlying: error)
      }
    } else {
      guard let uid = UInt32(exactly: entry.uid), let gid = UInt32(exactly: entry.gid) else {
        throw ConvertError.unsupportedEntry(layer: name, path: entry.path, reason: "uid/gid outside 0...2^32-1")
      }
      let kind: IndexEntry.Kind
      switch entry.kind {
      case .regular: kind = .regular(streamOffset: contentOffset)
      case .directory: kind = .directory
      case .symbolicLink: kind = .symlink(target: Array(entry.linkTarget.utf8))
      case .characterDevice: kind = .characterDevice(major: entry.deviceMajor, minor: entry.deviceMinor)
      case .blockDevice: kind = .blockDevice(major: entry.deviceMajor, minor: entry.deviceMinor)
      case .fifo: kind = .fifo
      case .hardLink: return
      }
      if entry.path.isEmpty, entry.kind != .directory { return }
      builder.add(
        path: entry.path,
        entry: IndexEntry(
          kind: kind, permissions: entry.mode, uid: uid, gid: gid,
          size: entry.kind == .regular ? UInt64(entry.size) : 0,
          mtimeSeconds: entry.modificationTime.seconds, mtimeNanoseconds: entry.modificationTime.nanoseconds,
          xattrs: entry.xattrs.map { (Array($0.name.utf8), $0.value) }))
    }
  }

  private func parentPath(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[..<slash])
  }

  private mutating func emit(_ bytes: [UInt8]) {
    group += bytes
    streamHasher.update(bytes)
    streamOffset += UInt64(bytes.count)
  }

  private mutating func flushGroup() throws {
    guard !group.isEmpty else { return }
    let bytes = group
    group = []
    try write(try pipeline.submit(bytes, isChunk: false))
  }

  mutating func write(_ frames: [FramePipeline.Compressed]) throws {
    for frame in frames {
      builder.addFrame(
        FrameRecord(
          streamOffset: writtenStreamOffset, blobOffset: writer.offset, compressedSize: UInt32(frame.compressed.count),
          uncompressedSize: UInt32(frame.uncompressedSize), canonical: 0, isChunk: frame.isChunk, digest: frame.digest))
      writtenStreamOffset += UInt64(frame.uncompressedSize)
      try writer.write(frame.compressed)
      if frame.isChunk { stats.chunkFrames += 1 } else { stats.groupFrames += 1 }
    }
  }

  private func tar<T>(_ body: () throws(TarError) -> T) throws -> T {
    do {
      return try body()
    } catch {
      throw ConvertError.tar(layer: name, underlying: error)
    }
  }
}
