import Foundation
import StarlingFormat
import StarlingOCI
import Testing

@Suite struct ManifestDocumentTests {
  static let layer = Descriptor(mediaType: MediaType.ociLayerTarGzip, bytes: Data("layer".utf8))
  static let config = Descriptor(mediaType: MediaType.ociConfig, bytes: Data("{}".utf8))

  @Test func keepsExactBytesAndTheirDigest() throws {
    // Unusual whitespace and key order: re-encoding would change the digest.
    let json = """
      {  "schemaVersion": 2, "mediaType": "\(MediaType.dockerManifest)",
         "layers": [{"size": \(Self.layer.size), "digest": "\(Self.layer.digest)", "mediaType": "\(MediaType.dockerLayerTarGzip)"}],
         "config": {"mediaType": "\(MediaType.dockerConfig)", "size": 2, "digest": "\(Self.config.digest)"},
         "x-unknown-field": [1, 2, 3] }
      """
    let bytes = Data(json.utf8)
    let document = try ManifestDocument(bytes: bytes)
    #expect(document.bytes == bytes)
    #expect(document.descriptor.digest == Digest.sha256(of: bytes))
    #expect(document.descriptor.mediaType == MediaType.dockerManifest)
    guard case .manifest(let manifest) = document.content else {
      Issue.record("expected a manifest")
      return
    }
    #expect(manifest.layers.map(\.digest) == [Self.layer.digest])
  }

  @Test func canonicalEncodingIsStable() throws {
    let manifest = Manifest(config: Self.config, layers: [Self.layer], annotations: ["b": "2", "a": "1"])
    let first = try ManifestDocument.encoding(manifest)
    let second = try ManifestDocument.encoding(manifest)
    #expect(first.bytes == second.bytes)
    #expect(try ManifestDocument(bytes: first.bytes) == first)
  }

  @Test func indexSelectsPlatform() throws {
    var amd = Descriptor(mediaType: MediaType.ociManifest, bytes: Data("a".utf8))
    amd.platform = Platform(os: "linux", architecture: "amd64")
    var arm = Descriptor(mediaType: MediaType.ociManifest, bytes: Data("b".utf8))
    arm.platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
    let document = try ManifestDocument.encoding(ImageIndex(manifests: [amd, arm]))
    guard case .index(let index) = document.content else {
      Issue.record("expected an index")
      return
    }
    #expect(index.manifests(for: try Platform(parsing: "linux/arm64")).map(\.digest) == [arm.digest])
    #expect(index.manifests(for: try Platform(parsing: "linux/amd64")).map(\.digest) == [amd.digest])
    #expect(index.manifests(for: try Platform(parsing: "linux/s390x")).isEmpty)
  }

  @Test(
    "bad manifests are rejected with a clear reason",
    arguments: [
      ("not json", "not a JSON manifest"),
      (#"{"schemaVersion":2}"#, "neither 'manifests' nor 'config'"),
      (#"{"schemaVersion":1,"fsLayers":[],"config":{}}"#, "schema 1"),
      (#"{"schemaVersion":2,"mediaType":"application/vnd.example.thing","config":{}}"#, "unsupported media type"),
      (
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#,
        "missing field 'config'"
      ),
      (
        #"{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:zz","size":1},"layers":[]}"#, "malformed digest"
      ),
      (
        #"{"schemaVersion":3,"config":{"mediaType":"x","digest":"sha256:\#(String(repeating: "0", count: 64))","size":1},"layers":[]}"#,
        "schemaVersion is 3"
      ),
    ])
  func rejects(json: String, expected: String) {
    do {
      _ = try ManifestDocument(bytes: Data(json.utf8))
      Issue.record("accepted: \(json)")
    } catch {
      #expect(error.description.contains(expected), "\(error.description)")
    }
  }

  @Test func rejectsUnknownLayerMediaTypeInImages() throws {
    var weird = Self.layer
    weird.mediaType = "application/x-mystery"
    let manifest = Manifest(config: Self.config, layers: [weird])
    #expect {
      _ = try ManifestDocument.encoding(manifest)
    } throws: { error in
      (error as? OCIError)?.description.contains("application/x-mystery") == true
    }
  }

  @Test func verifiesExpectedDescriptor() throws {
    let document = try ManifestDocument.encoding(Manifest(config: Self.config, layers: [Self.layer]))
    var wrong = document.descriptor
    wrong.digest = Digest.sha256(of: Data("other".utf8))
    #expect(throws: OCIError.digestMismatch(expected: wrong.digest, actual: document.descriptor.digest)) {
      try ManifestDocument(bytes: document.bytes, expected: wrong)
    }
  }
}
