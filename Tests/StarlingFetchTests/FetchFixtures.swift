import Foundation
import StarlingCache
import StarlingConvert
import StarlingFetch
import StarlingFormat
import StarlingOCI
import StarlingTar

/// A real Starling layer made by the converter from a synthetic tar, held in memory.
struct ConvertedLayer: Sendable {
  let descriptor: Descriptor
  let blob: Data
  let index: ChunkIndex
  let files: [String: [UInt8]]

  /// One `make()` layer shared by every test: converting is the slow part, and tests that
  /// time retries must not compete with a dozen conversions for the two cores.
  static func shared() throws -> ConvertedLayer { try sharedLayer.get() }

  private static let sharedLayer = Result { try make() }

  /// The shared layer, its `big.bin` entry and that file's content.
  static func sharedBigFile() throws -> (ConvertedLayer, UInt32, [UInt8]) {
    let layer = try shared()
    guard let content = layer.files["big.bin"] else { throw IndexFormatError.notFound(path: "big.bin") }
    return (layer, try layer.entry("big.bin"), content)
  }

  /// `big.bin` (3 MiB of random bytes: four 1 MiB chunk frames) and 40 small files under `small/`.
  static func make() throws -> ConvertedLayer {
    var generator = SystemRandomNumberGenerator()
    var files: [String: [UInt8]] = [:]
    files["big.bin"] = (0..<(3 << 20) + 12345).map { _ in UInt8.random(in: 0...255, using: &generator) }
    for i in 0..<40 { files["small/f\(i).txt"] = Array("file \(i) ".utf8) + (0..<(i * 97)).map { UInt8($0 % 251) } }
    return try make(files: files)
  }

  /// A layer holding `files` (paths under one `small/` directory at most) in 1 MiB chunks.
  static func make(files: [String: [UInt8]]) throws -> ConvertedLayer {
    var tar: [UInt8] = []
    let writer = TarWriter()
    tar += try writer.header(for: TarEntry(path: "small", kind: .directory, mode: 0o755))
    for (path, content) in files.sorted(by: { $0.key < $1.key }) {
      var entry = TarEntry(path: path, kind: .regular, mode: 0o644)
      entry.size = Int64(content.count)
      tar += try writer.header(for: entry)
      tar += content
      tar += [UInt8](repeating: 0, count: TarWriter.padding(forContentSize: Int64(content.count)))
    }
    tar += TarWriter.endOfArchive
    let dir = FileManager.default.temporaryDirectory.appending(path: "starling-fetch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(tar).write(to: dir.appending(path: "in.tar"))
    let result = try LayerConverter(options: ConversionOptions(chunkSize: 1 << 20, workers: 2))
      .convert(
        input: dir.appending(path: "in.tar"), compression: .uncompressed, output: dir.appending(path: "out"),
        name: "test")
    let blob = try Data(contentsOf: dir.appending(path: "out"))
    let offset = Int(try requireAnnotation(result.descriptor, LayerAnnotation.indexOffset))
    let size = Int(try requireAnnotation(result.descriptor, LayerAnnotation.indexSize))
    let index = try ChunkIndex(
      compressed: Array(blob[offset..<offset + size]),
      digest: try Digest(parsing: result.descriptor.annotations?[LayerAnnotation.indexDigest] ?? ""))
    return ConvertedLayer(descriptor: result.descriptor, blob: blob, index: index, files: files)
  }

  func entry(_ path: String) throws -> UInt32 {
    guard let found = try index.lookup(path: path) else { throw IndexFormatError.notFound(path: path) }
    return found
  }

  /// The store keys of the frames holding bytes `range` of a file.
  func frameKeys(_ path: String, range: Range<UInt64> = 0..<UInt64.max) throws -> Set<ChunkKey> {
    let slices = try index.chunks(of: try index.entry(try entry(path)), range: range)
    return Set(
      try slices.map {
        let frame = try index.frame($0.frame.canonical)
        return ChunkKey(digest: frame.digest, size: frame.uncompressedSize)
      })
  }
}

func requireAnnotation(_ descriptor: Descriptor, _ key: String) throws -> UInt64 {
  guard let value = descriptor.annotations?[key].flatMap(UInt64.init) else {
    throw IndexFormatError.missingAnnotation(key)
  }
  return value
}
