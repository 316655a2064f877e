import Foundation
import StarlingCompression
import StarlingFormat
import StarlingOCI

/// Checks one downloaded (digest-verified) Starling layer blob frame by frame.
struct LayerVerifier {
  let layer: Descriptor
  let expectedDiffID: Digest

  func fail(_ reason: String) -> ImageChecker.Failure {
    ImageChecker.Failure(layer: layer.digest, reason: reason)
  }

  func verify(file: URL) throws -> (frames: Int, tarBytes: UInt64) {
    let handle = try FileHandle(forReadingFrom: file)
    defer { try? handle.close() }
    func read(_ offset: UInt64, _ count: Int) throws -> [UInt8] {
      try handle.seek(toOffset: offset)
      let data = try handle.read(upToCount: count) ?? Data()
      guard data.count == count else { throw fail("blob ends before byte \(offset + UInt64(count))") }
      return Array(data)
    }
    let size = UInt64(layer.size)
    guard size >= UInt64(LayerFormat.footerFrameSize) else { throw fail("blob too small for a footer") }
    let footer: IndexFooter
    do {
      footer = try IndexFooter(frame: try read(size - UInt64(LayerFormat.footerFrameSize), LayerFormat.footerFrameSize))
    } catch let error as IndexFormatError {
      throw fail("footer: \(error)")
    }
    let annotations = layer.annotations ?? [:]
    guard annotations[LayerAnnotation.indexDigest] == footer.indexDigest.description,
      annotations[LayerAnnotation.indexOffset] == "\(footer.indexOffset)",
      annotations[LayerAnnotation.indexSize] == "\(footer.indexCompressedSize)"
    else { throw fail("layer annotations do not match the footer (index digest/offset/size)") }
    guard footer.indexOffset + footer.indexCompressedSize + UInt64(LayerFormat.footerFrameSize) == size else {
      throw fail("the index frame does not end where the footer starts")
    }
    let index: ChunkIndex
    do {
      index = try ChunkIndex(
        compressed: try read(footer.indexOffset, Int(footer.indexCompressedSize)), digest: footer.indexDigest)
    } catch let error as IndexFormatError {
      throw fail("index: \(error)")
    }
    guard index.dataSize + UInt64(SkippableFrame.headerSize) == footer.indexOffset else {
      throw fail(
        "index says data frames end at \(index.dataSize), but the index frame starts at \(footer.indexOffset - 8)")
    }
    var hasher = DigestHasher()
    var blobOffset: UInt64 = 0
    var streamOffset: UInt64 = 0
    let decompressor = try ZstdDecompressor()
    for i in 0..<index.frameCount {
      let frame = try index.frame(i)
      guard frame.blobOffset == blobOffset, frame.streamOffset == streamOffset else {
        throw fail(
          "frame \(i): expected blob offset \(blobOffset) and stream offset \(streamOffset), index says \(frame.blobOffset) and \(frame.streamOffset)"
        )
      }
      let content: [UInt8]
      do {
        content = try decompressor.decompressFrame(
          try read(blobOffset, Int(frame.compressedSize)), expectedSize: Int(frame.uncompressedSize))
      } catch {
        throw fail("frame \(i) at blob offset \(blobOffset): \(error)")
      }
      let digest = Digest.sha256(of: content)
      guard digest == frame.digest else {
        throw fail("frame \(i) at blob offset \(blobOffset): content hashes to \(digest), index says \(frame.digest)")
      }
      if frame.canonical != i, try index.frame(frame.canonical).digest != frame.digest {
        throw fail("frame \(i) names frame \(frame.canonical) as its identical copy, but their digests differ")
      }
      hasher.update(content)
      blobOffset += UInt64(frame.compressedSize)
      streamOffset += UInt64(frame.uncompressedSize)
    }
    guard blobOffset == index.dataSize, streamOffset == index.tarSize else {
      throw fail(
        "frames cover \(blobOffset) blob / \(streamOffset) tar bytes; index says \(index.dataSize) / \(index.tarSize)")
    }
    let diffID = hasher.finalize()
    guard diffID == index.diffID else { throw fail("tar stream hashes to \(diffID), index says \(index.diffID)") }
    guard diffID == expectedDiffID else {
      throw fail("tar stream hashes to \(diffID), config diff_id is \(expectedDiffID)")
    }
    return (Int(index.frameCount), streamOffset)
  }
}
