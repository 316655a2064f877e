import StarlingCompression

extension FrameRecord {
  /// Decompresses this frame's compressed bytes and checks their size and sha256: the one
  /// check every reader applies, whichever source (store, peer, registry) served the bytes.
  public func decode(_ compressed: [UInt8]) throws -> [UInt8] {
    let content = try ZstdDecompressor().decompressFrame(compressed, expectedSize: Int(uncompressedSize))
    let actual = Digest.sha256(of: content)
    guard actual == digest else {
      throw IndexFormatError.digestMismatch(
        what: "frame at blob offset \(blobOffset)", expected: digest, actual: actual)
    }
    return content
  }
}
