import Foundation
import StarlingCache
import StarlingConvert
import StarlingFS
import StarlingFUSE
import StarlingFetch
import StarlingFormat
import StarlingOCI
import StarlingTar
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A real Starling layer, made by the converter from a tar holding every kind of entry a
/// layer filesystem must present, and the `LayerFilesystem` over it (no FUSE, no network).
struct SampleLayer {
  let descriptor: Descriptor
  let index: ChunkIndex
  let filesystem: LayerFilesystem

  /// A name that needs JSON escaping in a trace line.
  static let oddName = "we\"ird\\name\nwith\ttabs\u{1}and é"
  static let hostsContent = Array("127.0.0.1 localhost\n".utf8)
  static let capability: [UInt8] = [1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
  /// The latest time containerd can store (int64 nanoseconds since the epoch).
  static let lastSecond = Int64.max / 1_000_000_000
  static let lastNanosecond = UInt32(Int64.max % 1_000_000_000)

  static func entries() -> [(TarEntry, [UInt8])] {
    func entry(_ path: String, _ kind: TarEntry.Kind, mode: UInt32 = 0o644) -> TarEntry {
      TarEntry(path: path, kind: kind, mode: mode, modificationTime: TarTime(seconds: 1_600_000_000))
    }
    var hosts = entry("etc/hosts", .regular)
    hosts.uid = 1000
    hosts.gid = 1001
    hosts.size = Int64(hostsContent.count)
    hosts.modificationTime = TarTime(seconds: 1_650_000_000, nanoseconds: 123_456_789)
    hosts.xattrs = [
      TarXattr(name: "user.comment", value: Array("hello".utf8)),
      TarXattr(name: "security.capability", value: capability),
    ]
    var link = entry("etc/hosts.link", .hardLink)
    link.linkTarget = "etc/hosts"
    var symlink = entry("etc/localtime", .symbolicLink, mode: 0o777)
    symlink.linkTarget = "/usr/share/zoneinfo/UTC"
    var null = entry("dev/null", .characterDevice, mode: 0o666)
    (null.deviceMajor, null.deviceMinor) = (1, 3)
    var disk = entry("dev/sda", .blockDevice, mode: 0o660)
    (disk.deviceMajor, disk.deviceMinor) = (8, 16)
    var old = entry("times/old", .regular)
    old.modificationTime = TarTime(seconds: -86_400, nanoseconds: 5)
    var late = entry("times/late", .regular)
    late.modificationTime = TarTime(seconds: 9_300_000_000)
    var last = entry("times/last", .regular)
    last.modificationTime = TarTime(seconds: lastSecond, nanoseconds: lastNanosecond)
    var beyond = entry("times/beyond", .regular)
    beyond.modificationTime = TarTime(seconds: lastSecond, nanoseconds: lastNanosecond + 1)
    var kept = entry("var/kept", .regular)
    kept.size = 3
    return [
      (entry("", .directory, mode: 0o755), []),
      (entry("etc", .directory, mode: 0o755), []),
      (hosts, hostsContent),
      (link, []),
      (symlink, []),
      (entry("etc/.wh.removed", .regular), []),
      (entry("dev", .directory, mode: 0o755), []),
      (null, []),
      (disk, []),
      (entry("run/fifo", .fifo), []),
      (old, []),
      (late, []),
      (last, []),
      (beyond, []),
      (entry("var", .directory, mode: 0o750), []),
      (entry("var/.wh..wh..opq", .regular), []),
      (kept, Array("abc".utf8)),
      (entry(oddName, .regular), []),
    ]
  }

  /// Converts the sample tar and opens a filesystem over it; `trace` records accesses.
  static func make(trace: TraceSink? = nil) throws -> SampleLayer {
    var tar: [UInt8] = []
    let writer = TarWriter()
    for (entry, content) in entries() {
      tar += try writer.header(for: entry)
      tar += content
      tar += [UInt8](repeating: 0, count: TarWriter.padding(forContentSize: Int64(content.count)))
    }
    tar += TarWriter.endOfArchive
    let dir = FileManager.default.temporaryDirectory.appending(path: "starling-fs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(tar).write(to: dir.appending(path: "in.tar"))
    let result = try LayerConverter(options: ConversionOptions(chunkSize: 1 << 20, workers: 1))
      .convert(
        input: dir.appending(path: "in.tar"), compression: .uncompressed, output: dir.appending(path: "out"),
        name: "sample")
    let blob = try Data(contentsOf: dir.appending(path: "out"))
    let annotations = result.descriptor.annotations ?? [:]
    guard let offset = annotations[LayerAnnotation.indexOffset].flatMap(Int.init),
      let size = annotations[LayerAnnotation.indexSize].flatMap(Int.init)
    else { throw IndexFormatError.missingAnnotation(LayerAnnotation.indexOffset) }
    let index = try ChunkIndex(
      compressed: Array(blob[offset..<offset + size]),
      digest: try Digest(parsing: annotations[LayerAnnotation.indexDigest] ?? ""))
    let noSources: [any ChunkSource] = []
    let fetcher = ChunkFetcher(layer: result.descriptor, index: index, store: EmptyStore(), sources: noSources)
    let accessTrace = trace.map { AccessTrace(index: index, layer: result.descriptor.digest.description, sink: $0) }
    let filesystem = LayerFilesystem(
      fetcher: fetcher, trace: accessTrace, options: LayerFilesystem.Options(readAheadOnOpen: false))
    return SampleLayer(descriptor: result.descriptor, index: index, filesystem: filesystem)
  }

  /// The inode of the entry at `path` ("" is the root), as lookups report it.
  func inode(_ path: String) throws -> UInt64 {
    var inode: UInt64 = 1
    for component in path.split(separator: "/") {
      guard let attributes = try lookup(inode, String(component)) else { throw FUSEErrno(ENOENT) }
      inode = attributes.inode
    }
    return inode
  }

  /// The inode number of index entry `path` itself (entry + 1), even for a hard-link alias.
  func entryInode(_ path: String) throws -> UInt64 {
    guard let entry = try index.lookup(path: path) else { throw FUSEErrno(ENOENT) }
    return UInt64(entry) + 1
  }

  func lookup(_ parent: UInt64, _ name: String) throws(FUSEErrno) -> FUSEAttributes? {
    try Self.withName(name) { (bytes) throws(FUSEErrno) in try filesystem.lookup(parent: parent, name: bytes) }
  }

  func getxattr(_ inode: UInt64, _ name: String) throws(FUSEErrno) -> [UInt8] {
    try Self.withName(name) { (bytes) throws(FUSEErrno) in try filesystem.getxattr(inode: inode, name: bytes) }
  }

  /// The names `listxattr` returns, split at the NUL bytes.
  func xattrNames(_ inode: UInt64) throws(FUSEErrno) -> [String] {
    let list = try filesystem.listxattr(inode: inode)
    #expect(list.isEmpty || list.last == 0, "every name ends with NUL")
    return list.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
  }

  private static func withName<T>(
    _ name: String, _ body: (FUSEName) throws(FUSEErrno) -> T
  ) throws(FUSEErrno) -> T {
    try Array(name.utf8).withUnsafeBufferPointer { (bytes) throws(FUSEErrno) -> T in try body(bytes) }
  }
}

/// A store that never has anything (metadata operations never touch it).
struct EmptyStore: ChunkStore {
  func get(_ key: ChunkKey) async throws -> [UInt8]? { nil }
  func put(_ key: ChunkKey, _ frame: [UInt8]) async throws {}
  func remove(_ key: ChunkKey) async throws {}
  func usage() async -> (entries: Int, bytes: Int64) { (0, 0) }
}
