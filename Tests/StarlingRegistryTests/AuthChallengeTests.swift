import Foundation
import StarlingRegistry
import Testing

@Suite struct AuthChallengeTests {
  @Test func parsesBearerWithQuotedCommas() throws {
    let header =
      #"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push",error="insufficient_scope""#
    let challenge = try #require(AuthChallenge(header: header))
    #expect(challenge.scheme == "bearer")
    #expect(challenge.realm == "https://auth.example.com/token")
    #expect(challenge.service == "registry.example.com")
    #expect(challenge.scope == "repository:a/b:pull,push")
    #expect(challenge.parameters["error"] == "insufficient_scope")
  }

  @Test func parsesBasicAndEscapes() throws {
    let challenge = try #require(AuthChallenge(header: #"Basic realm="a \"quoted\" realm", charset=UTF-8"#))
    #expect(challenge.scheme == "basic")
    #expect(challenge.realm == #"a "quoted" realm"#)
    #expect(challenge.parameters["charset"] == "UTF-8")
    #expect(AuthChallenge(header: "   ") == nil)
  }

  @Test func scopeDescription() {
    #expect(AuthScope.push("team/app").description == "repository:team/app:pull,push")
  }
}

@Suite struct CredentialTests {
  @Test func dockerConfigAuthsAndKeys() throws {
    let dir = FileManager.default.temporaryDirectory.appending(path: "starling-dockercfg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let basic = Data("alice:s3cret:with:colons".utf8).base64EncodedString()
    let json = """
      {"auths": {
        "https://index.docker.io/v1/": {"auth": "\(basic)"},
        "http://localhost:5000": {"username": "bob", "password": "pw"},
        "ghcr.io": {"identitytoken": "refresh-me"}
      }}
      """
    try Data(json.utf8).write(to: dir.appending(path: "config.json"))
    let creds = try DockerConfigCredentials(environment: ["DOCKER_CONFIG": dir.path])
    #expect(
      creds.credentials(for: "docker.io") == RegistryCredentials(username: "alice", password: "s3cret:with:colons"))
    #expect(creds.credentials(for: "localhost:5000")?.username == "bob")
    #expect(creds.credentials(for: "ghcr.io")?.identityToken == "refresh-me")
    #expect(creds.credentials(for: "quay.io") == nil)
    #expect(!"\(creds.credentials(for: "docker.io")!)".contains("s3cret"))
  }

  @Test func malformedDockerConfigIsAnError() throws {
    let dir = FileManager.default.temporaryDirectory.appending(path: "starling-dockercfg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(#"{"auths": {"x.io": {"auth": "%%%not-base64"}}}"#.utf8).write(to: dir.appending(path: "config.json"))
    #expect(throws: CredentialError.self) { try DockerConfigCredentials(environment: ["DOCKER_CONFIG": dir.path]) }
    let missing = try DockerConfigCredentials(environment: ["DOCKER_CONFIG": dir.appending(path: "nope").path])
    #expect(missing.credentials(for: "x.io") == nil)
  }

  @Test func hostNormalization() {
    #expect(RegistryHost.credentialKey("https://index.docker.io/v1/") == "docker.io")
    #expect(RegistryHost.credentialKey("http://localhost:5000/") == "localhost:5000")
    #expect(RegistryHost.apiHost("docker.io") == "registry-1.docker.io")
    #expect(RegistryHost.isLoopback("127.0.0.1:5050"))
    #expect(RegistryHost.isLoopback("[::1]:5000"))
    #expect(!RegistryHost.isLoopback("registry.example.com"))
  }
}
