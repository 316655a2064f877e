public import Foundation
import StarlingCompression
public import StarlingFormat
public import StarlingOCI
import StarlingTar

/// Converts one layer (tar, tar+gzip or tar+zstd) into a Starling chunked tar+zstd layer.
///
/// The output is an ordinary tar+zstd stream — every entry re-encoded with identical
/// metadata — cut into independent zstd frames: tar headers and small files share group
/// frames, large files get frames of `chunkSize` holding only their bytes. The index and
/// footer follow as skippable frames.
public struct LayerConverter: Sendable {
  public var options: ConversionOptions

  public init(options: ConversionOptions = ConversionOptions()) {
    self.options = options
  }

  /// The result of converting one layer.
  public struct Result: Sendable {
    /// Descriptor of the new blob, annotations included.
    public var descriptor: Descriptor
    /// sha256 of the new uncompressed tar stream.
    public var diffID: Digest
    public var stats: LayerStats
  }

  /// Converts `input` (compressed as `compression`) into `output`.
  public func convert(
    input: URL, compression: LayerCompression, output: URL, name: String, source: Digest? = nil
  ) throws -> Result {
    let file: FileByteStream
    do {
      file = try FileByteStream(path: input.path)
    } catch {
      throw ConvertError.io(path: input.path, reason: error.description)
    }
    let stream: any ByteStream
    do {
      switch compression {
      case .uncompressed: stream = file
      case .gzip: stream = try GzipStreamDecoder(upstream: file)
      case .zstd: stream = try ZstdStreamDecoder(upstream: file)
      }
    } catch {
      throw ConvertError.decompress(layer: name, reason: error.description)
    }
    let pipeline = try FramePipeline(workerCount: options.workers, level: options.level)
    do {
      var run = try LayerRun(options: options, name: name, output: output, pipeline: pipeline)
      // containerd's applier (Go's archive/tar) ignores PAX global headers; so does the copy.
      var limits = TarLimits()
      limits.appliesGlobalHeaders = false
      try run.copyEntries(from: TarReader(source: ByteStreamSource(stream: stream, layer: name), limits: limits))
      var result = try run.finish()
      if let source { result.descriptor.annotations?[LayerAnnotation.source] = source.description }
      return result
    } catch {
      pipeline.cancel()
      try? FileManager.default.removeItem(at: output)
      throw error
    }
  }
}

/// Adapts a decompressing byte stream to the tar reader's input protocol.
struct ByteStreamSource: TarByteSource {
  var stream: any ByteStream
  let layer: String

  mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    do {
      return try stream.read(into: buffer)
    } catch let error as CompressionError {
      throw ConvertError.decompress(layer: layer, reason: error.description)
    }
  }
}
