import Foundation
import StarlingTestSupport
import Testing

/// Stock containerd (default overlayfs snapshotter, full pull) runs a converted image:
/// the chunked tar+zstd layers with skippable index frames are ordinary OCI layers to it.
@Suite(.serialized) struct ConvertContainerdTests {
  @Test func stockContainerdRunsConvertedPythonImage() throws {
    let env = try IntegrationEnvironment.current()
    let fixture = try Fixtures.load(env)("python")
    try Containerd.start()
    let repo = IntegrationEnvironment.uniqueRepository("convert-ctr")
    let image = "\(env.registry)/\(repo):1"
    let convert = try CommandRunner.starling([
      "convert", "-q", "\(env.registry)/\(fixture.repository):\(fixture.tag)", image,
    ])
    #expect(convert.status == 0, "\(convert.stderr)")
    let pull = try Containerd.ctr(["image", "pull", "--plain-http", image])
    #expect(pull.status == 0, "\(pull.stderr)")
    let name = "starling-\(UUID().uuidString.prefix(8).lowercased())"
    let run = try Containerd.ctr(["run", "--rm", image, name])
    #expect(run.status == 0, "\(run.stderr)")
    let expected = try #require(fixture.expected_output)
    #expect(run.stdout == expected, "\(run.stdout)")
    _ = try Containerd.ctr(["image", "rm", "--sync", image])
  }
}
