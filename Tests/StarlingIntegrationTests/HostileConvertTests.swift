import Foundation
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport
import Testing

/// Bad layers get a clear error, a non-zero exit and no tag; a damaged converted image is
/// caught by `starling check`, which names the layer and frame.
@Suite struct HostileConvertTests {
  /// Python code that writes one crafted tar member list to argv[1].
  static let craft = """
    import io, sys, tarfile
    kind, out = sys.argv[1], sys.argv[2]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, data=b"x", type=tarfile.REGTYPE, link=""):
            i = tarfile.TarInfo(name); i.type = type; i.linkname = link; i.size = len(data) if type == tarfile.REGTYPE else 0
            t.addfile(i, io.BytesIO(data) if type == tarfile.REGTYPE else None)
        add("ok.txt", b"fine")
        if kind == "dotdot": add("a/../../escape", b"evil")
        if kind == "hardlink": add("passwd", type=tarfile.LNKTYPE, link="../../etc/passwd")
        if kind == "absolute": add("/abs/file", b"absolute")
    data = buf.getvalue()
    if kind == "garbage": data = bytes((i * 37 + 11) % 251 for i in range(4096))
    open(out, "wb").write(data)
    """

  /// A layout with one gzip layer made by `craft` (optionally damaged after compression).
  static func layout(_ kind: String, damage: ((inout Data) -> Void)? = nil) throws -> TemporaryDirectory {
    let scratch = try TemporaryDirectory()
    let tar = scratch.url.appending(path: "layer.tar")
    let made = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", craft, kind, tar.path])
    guard made.status == 0 else { throw ToolFailure(command: "craft \(kind)", output: made.stderr) }
    let gz = try CommandRunner.run(URL(fileURLWithPath: "/bin/gzip"), ["-kn", tar.path])
    guard gz.status == 0 else { throw ToolFailure(command: "gzip", output: gz.stderr) }
    var compressed = try Data(contentsOf: scratch.url.appending(path: "layer.tar.gz"))
    damage?(&compressed)
    let layout = try OCILayout(at: scratch.url.appending(path: "oci"), create: true)
    let layer = try layout.writeBlob(compressed, mediaType: MediaType.ociLayerTarGzip)
    let diffID = Digest.sha256(of: try Data(contentsOf: tar))
    let config = try layout.writeBlob(
      try ManifestDocument.canonicalEncoder.encode(ImageConfig(platform: .current, diffIDs: [diffID])),
      mediaType: MediaType.ociConfig)
    let manifest = try ManifestDocument.encoding(Manifest(config: config, layers: [layer]))
    try layout.writeBlob(manifest.bytes, mediaType: MediaType.ociManifest)
    try layout.tag(manifest.descriptor, as: "t")
    return scratch
  }

  @Test(
    arguments: [
      ("dotdot", nil, "unsafe path"),
      ("hardlink", nil, "passwd"),
      ("garbage", nil, "checksum"),
      ("plain", "truncate", "truncated"),
      ("plain", "flip", "gzip"),
    ] as [(String, String?, String)])
  func badLayersFailWithoutATag(kind: String, damage: String?, message: String) async throws {
    let env = try IntegrationEnvironment.current()
    let scratch = try Self.layout(kind) { data in
      if damage == "truncate" { data = data.prefix(data.count / 2) }
      if damage == "flip" { data[data.count / 2] ^= 0x55 }
    }
    let repo = IntegrationEnvironment.uniqueRepository("hostile-\(kind)")
    let result = try CommandRunner.starling([
      "convert", "oci:\(scratch.url.appending(path: "oci").path):t", "\(env.registry)/\(repo):1",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.lowercased().contains(message), "\(result.stderr)")
    #expect(result.stderr.hasPrefix("error: "))
    _ = try await withRegistry(env.registry) { client in
      await #expect(throws: RegistryError.self) { _ = try await client.headManifest(repository: repo, reference: "1") }
    }
  }

  @Test func absolutePathsAreNeutralised() async throws {
    let scratch = try Self.layout("absolute")
    let out = scratch.url.appending(path: "converted")
    let result = try CommandRunner.starling([
      "convert", "oci:\(scratch.url.appending(path: "oci").path):t", "oci:\(out.path):c",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let files = try CommandRunner.starling(["inspect", "--files", "oci:\(out.path):c"])
    #expect(files.stdout.contains(" abs/file "), "\(files.stdout)")
    #expect(!files.stdout.contains("/abs/file"))
  }

  @Test func checkNamesTheDamagedFrame() async throws {
    let scratch = try Self.layout("plain")
    let out = scratch.url.appending(path: "converted")
    let convert = try CommandRunner.starling([
      "convert", "oci:\(scratch.url.appending(path: "oci").path):t", "oci:\(out.path):c",
    ])
    #expect(convert.status == 0, "\(convert.stderr)")
    #expect(try CommandRunner.starling(["check", "oci:\(out.path):c"]).status == 0)
    // Re-home a damaged copy of the layer under a correct blob digest, so only the frame check can catch it.
    let layout = try OCILayout(at: out)
    let root = try layout.resolve(tag: "c")
    guard case .manifest(var manifest) = try ManifestDocument(bytes: try layout.readBlob(root)).content else {
      Issue.record("expected a manifest")
      return
    }
    let layer = manifest.layers[0]
    var bytes = try Data(contentsOf: layout.blobURL(layer.digest))
    bytes[20] ^= 0xFF  // inside frame 0's compressed bytes
    var damaged = try layout.writeBlob(bytes, mediaType: layer.mediaType)
    damaged.annotations = layer.annotations
    manifest.layers[0] = damaged
    let document = try ManifestDocument.encoding(manifest)
    try layout.writeBlob(document.bytes, mediaType: MediaType.ociManifest)
    try layout.tag(document.descriptor, as: "damaged")
    let check = try CommandRunner.starling(["check", "oci:\(out.path):damaged"])
    #expect(check.status == 1)
    #expect(check.stderr.contains("layer \(damaged.digest)"), "\(check.stderr)")
    #expect(check.stderr.contains("frame 0 at blob offset 0"), "\(check.stderr)")
  }
}
