import Foundation
import StarlingCompression
import StarlingFormat
import StarlingOCI

extension LayerRun {
  /// Writes the remaining frames, the index and the footer; returns the new descriptor.
  mutating func finish() throws -> LayerConverter.Result {
    try write(try pipeline.finish())
    let dataSize = writer.offset
    let diffID = streamHasher.finalize()
    let index = builder.serialize(
      IndexSummary(tarSize: streamOffset, dataSize: dataSize, diffID: diffID, chunkSize: UInt32(options.chunkSize)))
    // Level 19 costs ~1 s per 1.3 MB of index: worth it for typical layers, not for 500k files.
    let level = index.count > 4 << 20 ? min(options.indexLevel, 9) : options.indexLevel
    let compressed = try ZstdCompressor(level: level).compressFrame(index)
    let indexDigest = Digest.sha256(of: compressed)
    let indexOffset = dataSize + UInt64(SkippableFrame.headerSize)
    try writer.write(SkippableFrame.encode(variant: LayerFormat.indexFrameVariant, payload: compressed))
    let footer = IndexFooter(
      indexOffset: indexOffset, indexCompressedSize: UInt64(compressed.count),
      indexUncompressedSize: UInt64(index.count), indexDigest: indexDigest)
    try writer.write(footer.encodedFrame())
    let (digest, size) = try writer.finish()
    stats.tarBytes = streamOffset
    stats.blobBytes = size
    stats.indexBytes = UInt64(compressed.count)
    stats.indexUncompressedBytes = UInt64(index.count)
    stats.duplicateBytes = builder.duplicateFrameBytes.compressed
    let descriptor = Descriptor(
      mediaType: MediaType.ociLayerTarZstd, digest: digest, size: Int64(size),
      annotations: [
        LayerAnnotation.version: "\(LayerFormat.version)",
        LayerAnnotation.indexOffset: "\(indexOffset)",
        LayerAnnotation.indexSize: "\(compressed.count)",
        LayerAnnotation.indexDigest: indexDigest.description,
      ])
    return LayerConverter.Result(descriptor: descriptor, diffID: diffID, stats: stats)
  }
}
