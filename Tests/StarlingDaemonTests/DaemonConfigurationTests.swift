import Foundation
import StarlingDaemon
import StarlingRegistry
import Testing

@Suite struct DaemonConfigurationTests {
  /// Writes `text` to a fresh file with `mode` and loads it.
  func load(_ text: String, mode: Int = 0o600) throws -> (DaemonConfiguration, warnings: [String]) {
    let file = FileManager.default.temporaryDirectory.appending(path: "starlingd-\(UUID().uuidString).toml")
    try Data(text.utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
    return try DaemonConfiguration.load(path: file.path)
  }

  func expectError(_ text: String, _ matches: (DaemonConfigurationError) -> Bool) {
    do {
      _ = try load(text)
      Issue.record("expected an error for: \(text)")
    } catch let error as DaemonConfigurationError {
      #expect(matches(error), "\(error)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func emptyFileKeepsDefaults() throws {
    let (c, warnings) = try load("")
    #expect(c.root == "/var/lib/starling")
    #expect(c.address == "/run/starling/snapshotter.sock")
    #expect(c.lazy && c.cacheBytes == 10 << 30 && c.fetchTimeout == .seconds(60))
    #expect(c.metricsAddress == "127.0.0.1:9464")
    #expect(warnings.isEmpty)
  }

  @Test func fullFile() throws {
    let (c, _) = try load(
      """
      root = "/srv/starling"
      address = "/run/s.sock"
      log_level = "debug"
      lazy = false
      cache_size = "1.5GiB"
      fetch_timeout = "500ms"

      [metrics]
      address = ""

      [registries."reg.example:5000"]
      insecure = true
      mirrors = ["m1:5000", "m2"]
      username = "ci"
      password = "s3cret"

      [registries."docker.io"]
      identity_token = "refresh"
      """)
    #expect(c.root == "/srv/starling" && c.address == "/run/s.sock" && c.logLevel == "debug" && !c.lazy)
    #expect(c.cacheBytes == 1536 << 20)
    #expect(c.fetchTimeout == .milliseconds(500))
    #expect(c.metricsAddress == nil)
    #expect(c.insecureRegistries == ["reg.example:5000"])
    #expect(c.mirrors == ["reg.example:5000": ["m1:5000", "m2"]])
    let provider = c.credentialProvider(docker: StaticCredentials(["other:1": .init(username: "d", password: "x")]))
    #expect(provider.credentials(for: "reg.example:5000") == RegistryCredentials(username: "ci", password: "s3cret"))
    #expect(provider.credentials(for: "registry-1.docker.io")?.identityToken == "refresh")
    // docker's config.json answers for registries the file does not name.
    #expect(provider.credentials(for: "other:1")?.username == "d")
    #expect(provider.credentials(for: "nowhere") == nil)
  }

  @Test func byteCountsAndDurationsAsNumbers() throws {
    let (c, _) = try load("cache_size = 4096\nfetch_timeout = 7\n")
    #expect(c.cacheBytes == 4096 && c.fetchTimeout == .seconds(7))
    #expect(DaemonConfiguration.parseDuration("2m") == .seconds(120))
    #expect(DaemonConfiguration.parseDuration("1h") == .seconds(3600))
    #expect(DaemonConfiguration.parseDuration("ten") == nil)
    #expect(DaemonConfiguration.parseDuration("5d") == nil)
  }

  @Test func passwordFileIsRead() throws {
    let secret = FileManager.default.temporaryDirectory.appending(path: "pw-\(UUID().uuidString)")
    try Data("from-file\n".utf8).write(to: secret)
    defer { try? FileManager.default.removeItem(at: secret) }
    let (c, warnings) = try load(
      "[registries.\"r:1\"]\nusername = \"u\"\npassword_file = \"\(secret.path)\"\n", mode: 0o644)
    #expect(c.registries["r:1"]?.credentials == RegistryCredentials(username: "u", password: "from-file"))
    // The secret is in another file: a readable config is fine.
    #expect(warnings.isEmpty)
  }

  @Test func readableSecretsWarnWithoutShowingThem() throws {
    let (_, warnings) = try load("[registries.\"r:1\"]\nusername = \"u\"\npassword = \"hunter2\"\n", mode: 0o644)
    #expect(warnings.count == 1)
    #expect(warnings.first?.contains("chmod 600") == true)
    #expect(warnings.first?.contains("hunter2") == false)
  }

  @Test func unknownKeysAreErrors() {
    expectError("cache-size = \"1G\"") { $0 == .unknownKey(path: pathOf($0), key: "cache-size") }
    expectError("[metrics]\nport = 1") { $0 == .unknownKey(path: pathOf($0), key: "metrics.port") }
    expectError("[registries.\"r\"]\nmirror = [\"m\"]") {
      $0 == .unknownKey(path: pathOf($0), key: "registries.\"r\".mirror")
    }
  }

  @Test func wrongTypesNameTheKey() {
    expectError("lazy = \"yes\"") { if case .wrongType(_, "lazy", _) = $0 { true } else { false } }
    expectError("cache_size = \"lots\"") { if case .wrongType(_, "cache_size", _) = $0 { true } else { false } }
    expectError("fetch_timeout = 0") { if case .wrongType(_, "fetch_timeout", _) = $0 { true } else { false } }
    expectError("registries = 3") { if case .wrongType(_, "registries", _) = $0 { true } else { false } }
    expectError("[registries.\"r\"]\nmirrors = \"m\"") {
      if case .wrongType(_, "registries.\"r\".mirrors", _) = $0 { true } else { false }
    }
    expectError("[metrics]\naddress = \"nowhere\"") {
      if case .invalidValue(_, "metrics.address", _) = $0 { true } else { false }
    }
    expectError("[registries.\"r\"]\npassword = \"p\"") {
      if case .invalidValue(_, let key, _) = $0 { key.hasSuffix("password") } else { false }
    }
  }

  @Test func syntaxErrorsGiveTheLine() {
    expectError("root = \"/a\"\nlazy = \n") { if case .syntax(_, 2, _, _) = $0 { true } else { false } }
  }

  @Test func missingFile() {
    #expect(throws: DaemonConfigurationError.self) { try DaemonConfiguration.load(path: "/nonexistent/starlingd.toml") }
  }
}

private func pathOf(_ error: DaemonConfigurationError) -> String {
  switch error {
  case .unreadable(let path, _), .syntax(let path, _, _, _), .unknownKey(let path, _), .wrongType(let path, _, _),
    .invalidValue(let path, _, _):
    path
  }
}
