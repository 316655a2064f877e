import Foundation
import StarlingFormat
import StarlingOCI
import Testing

@Suite struct ImageReferenceTests {
  @Test(
    "valid references normalize like docker's",
    arguments: [
      ("debian", "docker.io", "library/debian", "latest"),
      ("debian:12", "docker.io", "library/debian", "12"),
      ("user/app:v1.2_3", "docker.io", "user/app", "v1.2_3"),
      ("docker.io/debian", "docker.io", "library/debian", "latest"),
      ("index.docker.io/library/debian:12", "docker.io", "library/debian", "12"),
      ("localhost/app", "localhost", "app", "latest"),
      ("localhost:5000/team/app:tag", "localhost:5000", "team/app", "tag"),
      ("127.0.0.1:5050/fixtures/small:latest", "127.0.0.1:5050", "fixtures/small", "latest"),
      ("ghcr.io/a/b/c:x", "ghcr.io", "a/b/c", "x"),
      ("registry.example.com/a__b/c-d/e.f:1", "registry.example.com", "a__b/c-d/e.f", "1"),
      ("[::1]:5000/app:1", "[::1]:5000", "app", "1"),
    ])
  func parses(input: String, registry: String, repository: String, tag: String) throws {
    let ref = try ImageReference(parsing: input)
    #expect(ref.registry == registry)
    #expect(ref.repository == repository)
    #expect(ref.tag == tag)
    #expect(ref.digest == nil)
  }

  @Test func digestWinsOverTag() throws {
    let hex = String(repeating: "ab", count: 32)
    let ref = try ImageReference(parsing: "localhost:5000/app:1@sha256:\(hex)")
    #expect(ref.tag == "1")
    #expect(ref.digest?.encoded == hex)
    #expect(ref.reference == "sha256:\(hex)")
    #expect(ref.description == "localhost:5000/app:1@sha256:\(hex)")
    let digestOnly = try ImageReference(parsing: "app@sha256:\(hex)")
    #expect(digestOnly.tag == nil)
  }

  @Test(
    "malformed references are rejected with a reason",
    arguments: [
      "", "UPPER/case", "app:", "app:-tag", "a//b", "/app", "app/", "host:99999/app", "https://host/app",
      "app@sha256:1234", "app@md5:abc", "a..b", "-app", "app:tag with space", "ho$t.com/app",
      String(repeating: "a", count: 300),
    ])
  func rejects(input: String) {
    #expect(throws: OCIError.self) { try ImageReference(parsing: input) }
    do {
      _ = try ImageReference(parsing: input)
    } catch {
      #expect(error.description.contains("invalid image reference"))
    }
  }
}

@Suite struct DigestTests {
  @Test func sha256OfKnownInput() {
    #expect(
      Digest.sha256(of: Array("abc".utf8)).description
        == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }

  @Test(arguments: ["sha256:abc", "sha256:" + String(repeating: "A", count: 64), "nocolon", ":x", "sha1:abcd"])
  func rejectsMalformed(input: String) {
    #expect(throws: DigestError.self) { try Digest(parsing: input) }
  }

  @Test func codableAsString() throws {
    let d = Digest.sha256(of: Array("x".utf8))
    let json = try JSONEncoder().encode([d])
    #expect(String(decoding: json, as: UTF8.self) == "[\"\(d)\"]")
    #expect(try JSONDecoder().decode([Digest].self, from: json) == [d])
  }
}

@Suite struct PlatformTests {
  @Test func matchingNormalizesAliasesAndDefaultVariants() throws {
    let arm64 = try Platform(parsing: "linux/arm64")
    #expect(arm64.matches(Platform(os: "linux", architecture: "arm64", variant: "v8")))
    #expect(arm64.matches(Platform(os: "linux", architecture: "aarch64")))
    #expect(!arm64.matches(Platform(os: "linux", architecture: "amd64")))
    #expect(try Platform(parsing: "linux/amd64").matches(Platform(os: "linux", architecture: "x86_64")))
    #expect(!(try Platform(parsing: "linux/arm/v7")).matches(Platform(os: "linux", architecture: "arm", variant: "v6")))
    #expect(throws: OCIError.self) { try Platform(parsing: "linux") }
    #expect(throws: OCIError.self) { try Platform(parsing: "linux//v8") }
  }
}
