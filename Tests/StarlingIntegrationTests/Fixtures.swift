import Foundation
import StarlingTestSupport

/// The images built and pushed by `Tools/fixtures.sh`, read from its fixtures.json.
struct Fixtures {
  struct Fixture: Decodable {
    var name: String
    var repository: String
    var tag: String
    var manifest_digest: String
    var layout: String?
    var compressed_size: Int64?
    var expected_output: String?
  }

  private struct File: Decodable {
    var registry: String
    var fixtures: [String: Fixture]
  }

  let registry: String
  let all: [String: Fixture]

  static func load(_ env: IntegrationEnvironment) throws -> Fixtures {
    let path = "\(env.state)/fixtures/fixtures.json"
    guard let data = FileManager.default.contents(atPath: path) else {
      throw MissingEnvironment(
        name: "fixtures (\(path)); build them with Tools/fixtures.sh build && Tools/fixtures.sh push")
    }
    let file = try JSONDecoder().decode(File.self, from: data)
    return Fixtures(registry: file.registry, all: file.fixtures)
  }

  func callAsFunction(_ name: String) throws -> Fixture {
    guard let fixture = all[name] else { throw MissingEnvironment(name: "fixture '\(name)' in fixtures.json") }
    return fixture
  }
}

/// A fixture converted by `starling convert` into a fresh repository of the test registry,
/// with the original image unpacked by the reference unpacker for byte comparisons.
struct ConvertedFixture {
  let env: IntegrationEnvironment
  let fixture: Fixtures.Fixture
  let repository: String
  let scratch: TemporaryDirectory
  let original: URL

  init(_ name: String, repositoryPrefix: String) throws {
    env = try IntegrationEnvironment.current()
    fixture = try Fixtures.load(env)(name)
    repository = IntegrationEnvironment.uniqueRepository(repositoryPrefix)
    let convert = try CommandRunner.starling([
      "convert", "-q", "\(env.registry)/\(fixture.repository):\(fixture.tag)", "\(env.registry)/\(repository):1",
    ])
    guard convert.status == 0 else { throw ToolFailure(command: "starling convert", output: convert.stderr) }
    scratch = try TemporaryDirectory()
    original = scratch.url.appending(path: "original")
    guard let layout = fixture.layout else { throw MissingEnvironment(name: "layout of fixture '\(name)'") }
    try TreeTool.unpack(layout: URL(fileURLWithPath: layout), tag: fixture.tag, into: original)
  }
}
