import Foundation
import StarlingConvert
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport
import Testing

/// `starling convert` on the fixtures through the real registry; the converted image is
/// unpacked by an independent unpacker and compared attribute by attribute with the original.
@Suite(.serialized) struct ConvertRoundTripTests {
  let env: IntegrationEnvironment

  init() throws {
    env = try IntegrationEnvironment.current()
  }

  @Test(arguments: [("small", "latest"), ("python", "latest"), ("edge", "latest"), ("edge", "pax-global")])
  func convertedImageUnpacksToTheSameTree(name: String, tag: String) async throws {
    var fixture = try Fixtures.load(env)(name)
    fixture.tag = tag
    let layoutPath = try #require(fixture.layout)
    let repo = IntegrationEnvironment.uniqueRepository("convert-\(name)")
    let target = "\(env.registry)/\(repo):1"
    let convert = try CommandRunner.starling([
      "convert", "\(env.registry)/\(fixture.repository):\(fixture.tag)", target,
    ])
    #expect(convert.status == 0, "\(convert.stderr)")
    let check = try CommandRunner.starling(["check", target])
    #expect(check.status == 0, "\(check.stderr)")
    #expect(check.stdout.hasPrefix("OK:"))

    let scratch = try TemporaryDirectory()
    let converted = scratch.url.appending(path: "converted")
    let copy = try CommandRunner.starling(["copy", target, "oci:\(converted.path):1"])
    #expect(copy.status == 0, "\(copy.stderr)")
    // Every layer is a Starling tar+zstd layer with its index annotations.
    let layout = try OCILayout(at: converted)
    let manifest = try ManifestDocument(bytes: try layout.readBlob(try layout.resolve(tag: "1")))
    guard case .manifest(let m) = manifest.content else {
      Issue.record("converted root is not a manifest")
      return
    }
    #expect(m.layers.allSatisfy(ImageConverter.isStarlingLayer))

    let original = scratch.url.appending(path: "a")
    let result = scratch.url.appending(path: "b")
    try TreeTool.unpack(layout: URL(fileURLWithPath: layoutPath), tag: fixture.tag, into: original)
    try TreeTool.unpack(layout: converted, tag: "1", into: result)
    try TreeTool.snapshot(original, to: scratch.url.appending(path: "a.json"))
    try TreeTool.snapshot(result, to: scratch.url.appending(path: "b.json"))
    let differences = try TreeTool.diff(scratch.url.appending(path: "a.json"), scratch.url.appending(path: "b.json"))
    #expect(differences == nil, "\(differences ?? "")")
  }

  @Test func convertingAConvertedImageIsANoOp() async throws {
    let fixture = try Fixtures.load(env)("edge")
    let repo = IntegrationEnvironment.uniqueRepository("convert-twice")
    let first = try CommandRunner.starling([
      "convert", "\(env.registry)/\(fixture.repository):\(fixture.tag)", "\(env.registry)/\(repo):1",
    ])
    #expect(first.status == 0, "\(first.stderr)")
    let second = try CommandRunner.starling(["convert", "\(env.registry)/\(repo):1", "\(env.registry)/\(repo):2"])
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stdout.contains("already a Starling image"))
    try await withRegistry(env.registry) { client in
      let one = try await client.headManifest(repository: repo, reference: "1")
      let two = try await client.headManifest(repository: repo, reference: "2")
      #expect(one.digest == two.digest)
    }
  }

  @Test func multiPlatformIndexConvertsEveryPlatformOrOne() async throws {
    let fixture = try Fixtures.load(env)("multi")
    let repo = IntegrationEnvironment.uniqueRepository("convert-multi")
    let source = "\(env.registry)/\(fixture.repository):\(fixture.tag)"
    let all = try CommandRunner.starling(["convert", source, "\(env.registry)/\(repo):all"])
    #expect(all.status == 0, "\(all.stderr)")
    let arm = try CommandRunner.starling([
      "convert", "--platform", "linux/arm64", source, "\(env.registry)/\(repo):arm",
    ])
    #expect(arm.status == 0, "\(arm.stderr)")
    try await withRegistry(env.registry) { client in
      let index = try await client.manifest(repository: repo, reference: "all")
      guard case .index(let entries) = index.content else {
        Issue.record("expected an index")
        return
      }
      #expect(Set(entries.manifests.compactMap { $0.platform?.description }) == ["linux/amd64", "linux/arm64/v8"])
      for entry in entries.manifests {
        guard
          case .manifest(let m) = try await client.manifest(repository: repo, reference: entry.digest.description)
            .content
        else {
          Issue.record("expected a manifest")
          continue
        }
        #expect(m.layers.allSatisfy(ImageConverter.isStarlingLayer))
      }
      guard case .manifest = try await client.manifest(repository: repo, reference: "arm").content else {
        Issue.record("--platform should give a single manifest")
        return
      }
    }
    let check = try CommandRunner.starling(["check", "\(env.registry)/\(repo):all"])
    #expect(check.status == 0, "\(check.stderr)")
    #expect(check.stdout.contains("2 manifest(s)"))
  }
}
