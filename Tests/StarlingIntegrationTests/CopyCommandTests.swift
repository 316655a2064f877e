import Foundation
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport
import Testing

/// `starling copy` as a user runs it: the built binary against the real registry, with
/// skopeo as an independent reader of the layouts it writes.
@Suite(.serialized) struct CopyCommandTests {
  let env: IntegrationEnvironment

  init() throws {
    env = try IntegrationEnvironment.current()
  }

  @Test(arguments: ["small", "small-docker", "python", "edge", "multi"])
  func registryToLayoutAndBackKeepsDigests(name: String) async throws {
    let fixture = try Fixtures.load(env)(name)
    let scratch = try TemporaryDirectory()
    let layout = "oci:\(scratch.url.path)/\(name):latest"
    let source = "\(env.registry)/\(fixture.repository):\(fixture.tag)"
    let pull = try CommandRunner.starling(["copy", source, layout])
    #expect(pull.status == 0, "\(pull.stderr)")
    #expect(pull.stdout.contains(fixture.manifest_digest))

    // An independent OCI implementation accepts the layout and sees the same manifest.
    // (containers/image resolves layout tags only to OCI media types, so a Docker schema 2
    // image, kept byte for byte, is checked by the round trip alone.)
    if name == "small-docker" {
      let layoutImage = try OCILayout(at: scratch.url.appending(path: name))
      #expect(try layoutImage.resolve(tag: "latest").digest.description == fixture.manifest_digest)
    } else {
      let skopeo = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/skopeo"), ["inspect", "--raw", layout])
      #expect(skopeo.status == 0, "\(skopeo.stderr)")
      #expect(Digest.sha256(of: Data(skopeo.stdout.utf8)).description == fixture.manifest_digest)
      if name != "multi" {
        let config = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/skopeo"), ["inspect", layout])
        #expect(config.status == 0, "\(config.stderr)")
      }
    }

    let back = IntegrationEnvironment.uniqueRepository("copy-back-\(name)")
    let push = try CommandRunner.starling(["copy", layout, "\(env.registry)/\(back):again"])
    #expect(push.status == 0, "\(push.stderr)")
    try await withRegistry(env.registry) { client in
      let head = try await client.headManifest(repository: back, reference: "again")
      #expect(head.digest.description == fixture.manifest_digest)
    }
  }

  @Test func platformFilterPicksOneImage() async throws {
    let fixture = try Fixtures.load(env)("multi")
    let index = try await withRegistry(env.registry) { client in
      try await client.manifest(repository: fixture.repository, reference: fixture.tag)
    }
    guard case .index(let entries) = index.content else {
      Issue.record("multi fixture is not an index")
      return
    }
    let arm = try #require(entries.manifests(for: try Platform(parsing: "linux/arm64")).first)
    let scratch = try TemporaryDirectory()
    let result = try CommandRunner.starling([
      "copy", "--platform", "linux/arm64", "\(env.registry)/\(fixture.repository):\(fixture.tag)",
      "oci:\(scratch.url.path):arm",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let layout = try OCILayout(at: scratch.url)
    #expect(try layout.resolve(tag: "arm").digest == arm.digest)
    let missing = try CommandRunner.starling([
      "copy", "--platform", "linux/s390x", "\(env.registry)/\(fixture.repository):\(fixture.tag)",
      "oci:\(scratch.url.path):none",
    ])
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("no manifest for platform linux/s390x"))
  }

  @Test func credentialsFromFlags() async throws {
    let image = try LocalImage(layerSizes: [1000], seed: 41)
    let repo = IntegrationEnvironment.uniqueRepository("cli-creds")
    let target = "\(env.basicRegistry)/\(repo):1"
    let anonymous = try CommandRunner.starling([
      "copy", "oci:\(image.layout.root.path):t", target, "--no-docker-config",
    ])
    #expect(anonymous.status == 1)
    #expect(anonymous.stderr.contains("HTTP 401"))
    let creds = "\(env.basicCredentials.username):\(env.basicCredentials.password)"
    let ok = try CommandRunner.starling(["copy", "oci:\(image.layout.root.path):t", target, "--dest-creds", creds])
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(!ok.stdout.contains(env.basicCredentials.password) && !ok.stderr.contains(env.basicCredentials.password))
  }

  @Test func corruptSourceFailsAndLeavesNoTag() async throws {
    let image = try LocalImage(layerSizes: [4096], seed: 42)
    let layer = try #require(image.layers.first)
    var bytes = try image.bytes(layer)
    bytes[100] ^= 0xFF
    try bytes.write(to: image.layout.blobURL(layer.digest))
    let repo = IntegrationEnvironment.uniqueRepository("corrupt")
    let result = try CommandRunner.starling(["copy", "oci:\(image.layout.root.path):t", "\(env.registry)/\(repo):1"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("digest mismatch"), "\(result.stderr)")
    #expect(result.stderr.contains(layer.digest.description))
    _ = try await withRegistry(env.registry) { client in
      await #expect(throws: RegistryError.self) { _ = try await client.headManifest(repository: repo, reference: "1") }
    }
  }

  @Test(
    "bad input gets a clear error and exit status 1",
    arguments: [
      (["copy", "UPPER/Case:1", "oci:/tmp/starling-never"], "invalid image reference"),
      (["copy", "ftp://host/app", "oci:/tmp/starling-never"], "unknown transport"),
      (["copy", "oci:/nonexistent/starling", "oci:/tmp/starling-never"], "not an OCI layout"),
      (["copy", "--platform", "linux", "a/b", "oci:/tmp/starling-never"], "invalid platform"),
      (["copy", "a/b@sha256:1234", "oci:/tmp/starling-never"], "malformed digest"),
    ])
  func badArguments(arguments: [String], message: String) throws {
    let result = try CommandRunner.starling(arguments)
    #expect(result.status == 1)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/starling-never"))
  }

  @Test func missingImageNamesRegistryAndRepository() throws {
    let scratch = try TemporaryDirectory()
    let result = try CommandRunner.starling([
      "copy", "\(env.registry)/tests/does-not-exist:1", "oci:\(scratch.url.path)/out",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.contains("\(env.registry)/tests/does-not-exist"), "\(result.stderr)")
    #expect(result.stderr.contains("HTTP 404"))
  }

  @Test func malformedAndUnknownManifestsAreRefused() throws {
    let scratch = try TemporaryDirectory()
    let layout = try OCILayout(at: scratch.url, create: true)
    let garbage = try layout.writeBlob(Data("{not json".utf8), mediaType: MediaType.ociManifest)
    try layout.tag(garbage, as: "garbage")
    let layer = try layout.writeBlob(Data("x".utf8), mediaType: "application/x-mystery")
    let config = try layout.writeBlob(Data("{}".utf8), mediaType: MediaType.ociConfig)
    let json = """
      {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(config.digest)","size":2},"layers":[{"mediaType":"application/x-mystery","digest":"\(layer.digest)","size":1}]}
      """
    let mystery = try layout.writeBlob(Data(json.utf8), mediaType: MediaType.ociManifest)
    try layout.tag(mystery, as: "mystery")
    let out = scratch.url.appending(path: "out").path
    let bad = try CommandRunner.starling(["copy", "oci:\(scratch.url.path):garbage", "oci:\(out):x"])
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("malformed manifest"), "\(bad.stderr)")
    let unknown = try CommandRunner.starling(["copy", "oci:\(scratch.url.path):mystery", "oci:\(out):x"])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("unsupported media type 'application/x-mystery'"), "\(unknown.stderr)")
  }

  @Test func daemonReportsItsVersion() throws {
    let daemon = CommandRunner.starlingBinary.deletingLastPathComponent().appending(path: "starlingd")
    let result = try CommandRunner.run(daemon, ["--version"])
    #expect(result.status == 0)
    #expect(result.stdout.contains(StarlingVersion.current))
  }
}
