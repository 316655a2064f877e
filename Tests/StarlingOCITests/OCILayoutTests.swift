import Foundation
import StarlingFormat
import StarlingOCI
import Testing

@Suite struct OCILayoutTests {
  let directory: URL

  init() throws {
    directory = FileManager.default.temporaryDirectory.appending(path: "starling-layout-\(UUID().uuidString)")
  }

  @Test func createWriteTagResolve() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let layout = try OCILayout(at: directory, create: true)
    let blob = try layout.writeBlob(Data("hello".utf8), mediaType: "text/plain")
    #expect(layout.hasBlob(blob))
    #expect(try layout.readBlob(blob) == Data("hello".utf8))
    try layout.tag(blob, as: "v1")
    try layout.tag(blob, as: "v2")
    try layout.tag(blob, as: "v1")  // retagging replaces, never duplicates
    #expect(try layout.tags().sorted() == ["v1", "v2"])
    #expect(try layout.resolve(tag: "v2").digest == blob.digest)
    #expect(throws: OCIError.self) { try layout.resolve(tag: nil) }  // ambiguous
    #expect {
      try layout.resolve(tag: "nope")
    } throws: { error in
      (error as? OCIError)?.description.contains("tags present: v2, v1") == true
    }
    let marker = try String(contentsOf: directory.appending(path: "oci-layout"), encoding: .utf8)
    #expect(marker.contains("1.0.0"))
  }

  @Test func refusesNonLayoutAndCorruptBlobs() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    #expect(throws: OCIError.self) { try OCILayout(at: directory) }
    let layout = try OCILayout(at: directory, create: true)
    let blob = try layout.writeBlob(Data("content".utf8), mediaType: "text/plain")
    try Data("CONTENT".utf8).write(to: layout.blobURL(blob.digest))
    #expect(throws: OCIError.digestMismatch(expected: blob.digest, actual: .sha256(of: Data("CONTENT".utf8)))) {
      try layout.readBlob(blob)
    }
    // Ingesting a file whose bytes do not match the descriptor stores nothing.
    let stray = directory.appending(path: "stray")
    try Data("abc".utf8).write(to: stray)
    let claimed = Descriptor(mediaType: "x", digest: .sha256(of: Data("xyz".utf8)), size: 3)
    #expect(throws: OCIError.self) { try layout.ingestBlob(from: stray, expected: claimed, move: true) }
    #expect(!FileManager.default.fileExists(atPath: layout.blobURL(claimed.digest).path))
  }

  @Test func copiesBetweenLayoutsKeepingDigests() async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let source = try OCILayout(at: directory.appending(path: "src"), create: true)
    // Two platform images sharing one layer, under an index.
    var entries: [Descriptor] = []
    for (arch, variant) in [("amd64", nil), ("arm64", "v8")] as [(String, String?)] {
      let shared = try source.writeBlob(Data("shared layer".utf8), mediaType: MediaType.ociLayerTarGzip)
      let own = try source.writeBlob(Data("layer for \(arch)".utf8), mediaType: MediaType.ociLayerTarGzip)
      let platform = Platform(os: "linux", architecture: arch, variant: variant)
      let config = try source.writeBlob(
        try ManifestDocument.canonicalEncoder.encode(
          ImageConfig(platform: platform, diffIDs: [shared.digest, own.digest])),
        mediaType: MediaType.ociConfig)
      let manifest = try ManifestDocument.encoding(Manifest(config: config, layers: [shared, own]))
      try source.writeBlob(manifest.bytes, mediaType: MediaType.ociManifest)
      var entry = manifest.descriptor
      entry.platform = platform
      entries.append(entry)
    }
    let index = try ManifestDocument.encoding(ImageIndex(manifests: entries))
    try source.writeBlob(index.bytes, mediaType: MediaType.ociIndex)
    try source.tag(index.descriptor, as: "multi")

    let src = try LayoutImage(path: source.root, tag: "multi", create: false)
    let whole = try LayoutImage(path: directory.appending(path: "whole"), tag: "copy", create: true)
    let report = try await ImageCopier().copy(from: src, to: whole)
    #expect(report.root.digest == index.descriptor.digest)
    #expect(report.blobs[.copied] == 5)  // shared layer once, 2 own layers, 2 configs
    #expect(try whole.layout.resolve(tag: "copy").digest == index.descriptor.digest)
    let again = try await ImageCopier().copy(from: src, to: whole)
    #expect(again.blobs[.alreadyPresent] == 5)

    let single = try LayoutImage(path: directory.appending(path: "arm"), tag: "arm", create: true)
    let armReport = try await ImageCopier(platform: try Platform(parsing: "linux/arm64")).copy(from: src, to: single)
    #expect(armReport.root.digest == entries[1].digest)
    await #expect(throws: OCIError.self) {
      try await ImageCopier(platform: try Platform(parsing: "linux/riscv64")).copy(from: src, to: single)
    }
  }
}
