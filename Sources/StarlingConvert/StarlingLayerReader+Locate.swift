import Foundation
import StarlingFormat
import StarlingOCI

extension StarlingLayerReader {
  struct IndexLocation {
    var offset: UInt64
    var size: UInt64
    var digest: Digest
  }

  /// Where the index is: from the annotations (no extra request), else from the footer.
  static func locateIndex(_ source: any BlobRangeReader, _ layer: Descriptor, _ counter: ByteCounter) async throws
    -> IndexLocation
  {
    if let annotations = layer.annotations, let digest = annotations[LayerAnnotation.indexDigest] {
      guard let parsed = try? Digest(parsing: digest),
        let offset = annotations[LayerAnnotation.indexOffset].flatMap(UInt64.init),
        let size = annotations[LayerAnnotation.indexSize].flatMap(UInt64.init),
        offset + size <= UInt64(layer.size)
      else {
        throw IndexFormatError.inconsistent(reason: "layer \(layer.digest): malformed Starling index annotations")
      }
      return IndexLocation(offset: offset, size: size, digest: parsed)
    }
    let footer = try await readFooter(source, layer, counter)
    return IndexLocation(offset: footer.indexOffset, size: footer.indexCompressedSize, digest: footer.indexDigest)
  }

  /// Reads and checks the footer at the end of the blob.
  static func readFooter(_ source: any BlobRangeReader, _ layer: Descriptor, _ counter: ByteCounter) async throws
    -> IndexFooter
  {
    guard layer.size >= Int64(LayerFormat.footerFrameSize) else {
      throw IndexFormatError.truncated(
        what: "layer blob", expected: LayerFormat.footerFrameSize, actual: Int(layer.size))
    }
    let tail = try await source.readBlob(layer, range: layer.size - Int64(LayerFormat.footerFrameSize)..<layer.size)
    counter.add(tail.count)
    let footer = try IndexFooter(frame: Array(tail))
    guard footer.indexOffset + footer.indexCompressedSize + UInt64(LayerFormat.footerFrameSize) == UInt64(layer.size)
    else {
      throw IndexFormatError.inconsistent(reason: "layer \(layer.digest): index does not end where the footer starts")
    }
    return footer
  }
}
