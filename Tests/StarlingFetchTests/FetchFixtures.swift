import Foundation
import StarlingCache
import StarlingConvert
import StarlingFetch
import StarlingFormat
import StarlingOCI
import StarlingTar

/// A real Starling layer made by the converter from a synthetic tar, held in memory.
struct ConvertedLayer {
  let descriptor: Descriptor
  let blob: Data
  let index: ChunkIndex
  let files: [String: [UInt8]]

  static func make() throws -> ConvertedLayer {
    var generator = SystemRandomNumberGenerator()
    var files: [String: [UInt8]] = [:]
    files["big.bin"] = (0..<(3 << 20) + 12345).map { _ in UInt8.random(in: 0...255, using: &generator) }
    for i in 0..<40 { files["small/f\(i).txt"] = Array("file \(i) ".utf8) + (0..<(i * 97)).map { UInt8($0 % 251) } }
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
}

func requireAnnotation(_ descriptor: Descriptor, _ key: String) throws -> UInt64 {
  guard let value = descriptor.annotations?[key].flatMap(UInt64.init) else {
    throw IndexFormatError.missingAnnotation(key)
  }
  return value
}

/// Serves ranges of an in-memory blob, counting requests; can flip a byte to simulate a liar.
actor MemorySource: ChunkSource {
  nonisolated let name: String
  let blob: Data
  let corrupt: Bool
  private(set) var requests: [Range<Int64>] = []

  init(name: String, blob: Data, corrupt: Bool = false) {
    self.name = name
    self.blob = blob
    self.corrupt = corrupt
  }

  func read(layer: Descriptor, range: Range<Int64>) async throws -> Data {
    requests.append(range)
    try await Task.sleep(for: .milliseconds(5))  // let concurrent readers pile up
    var data = blob.subdata(in: Int(range.lowerBound)..<Int(range.upperBound))
    if corrupt { data[data.startIndex + data.count / 2] ^= 0x40 }
    return data
  }
}

/// A ChunkStore in memory.
actor MemoryStore: ChunkStore {
  private var entries: [ChunkKey: [UInt8]] = [:]

  func get(_ key: ChunkKey) async throws -> [UInt8]? { entries[key] }
  func put(_ key: ChunkKey, _ frame: [UInt8]) async throws { entries[key] = frame }
  func remove(_ key: ChunkKey) async throws { entries[key] = nil }
  func usage() async -> (entries: Int, bytes: Int64) {
    (entries.count, Int64(entries.values.reduce(0) { $0 + $1.count }))
  }

  func damageAll() {
    for key in entries.keys { entries[key]?[0] ^= 0xFF }
  }
}
