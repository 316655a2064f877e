import Crypto
import Foundation
import StarlingRegistry
import StarlingTestSupport
import Testing

extension StarlingdTests {
  /// Background chunk fetches long after the pull, on a registry behind Bearer tokens:
  /// credentials come from starlingd's TOML config, and expired tokens are renewed.
  @Suite struct LazyCredentialTests {
    let namespace = "starling-cred-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    func ctr(_ arguments: [String]) throws -> CommandRunner.Result {
      try Containerd.ctr(["-n", namespace] + arguments)
    }

    @Test func backgroundFetchesRenewExpiredTokensWithCredentialsFromTheConfigFile() async throws {
      let converted = try ConvertedFixture("small", repositoryPrefix: "lazy-token")
      let env = converted.env
      // Another user pushes: RegistryAuthTests counts the tokens of env.tokenCredentials.
      let pusher = env.tokenBuilderCredentials
      let copy = try CommandRunner.starling([
        "copy", "--creds", "\(pusher.username):\(pusher.password)", "\(env.registry)/\(converted.repository):1",
        "\(env.tokenRegistry)/\(converted.repository):1",
      ])
      try #require(copy.status == 0, "\(copy.stderr)")
      try Containerd.start()
      // After the pull the proxy enforces a 1 s token lifetime (the registry itself allows a
      // minute of skew), and the token server issues 4 s tokens to this user: both of
      // starlingd's renewal paths get exercised.
      let proxy = try await FaultProxy(upstream: "http://\(env.tokenRegistry)")
      let user = env.tokenShortLivedCredentials
      let scratch = try TemporaryDirectory()
      let config = scratch.url.appending(path: "starlingd.toml")
      try Data(
        """
        [registries."\(proxy.address)"]
        username = "\(user.username)"
        password = "\(user.password)"
        """.utf8
      ).write(to: config)
      try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config.path)
      let daemon = try Starlingd(
        root: scratch.url.appending(path: "root"), extraArguments: ["--config", config.path, "--no-docker-config"])
      let image = "\(proxy.address)/\(converted.repository):1"
      defer {
        _ = try? ctr(["image", "rm", "--sync", image])
        daemon.stop()
        _ = try? Containerd.ctr(["namespaces", "rm", namespace])
        Task { try? await proxy.shutdown() }
      }
      let pull = try CommandRunner.run(
        URL(fileURLWithPath: "/bin/bash"),
        [
          Containerd.script.path, "ctr-remote", "-n", namespace, "image", "rpull", "--plain-http", "--user",
          "\(user.username):\(user.password)", "--snapshotter", "starling", image,
        ])
      try #require(pull.status == 0, "\(pull.stderr)\n\(daemon.logText.suffix(3000))")
      #expect(
        daemon.logText.components(separatedBy: "layer mounted lazily").count - 1 == 2, "\(daemon.logText.suffix(3000))")

      // Enforced from now on (containerd's pull client does not renew a refused token).
      proxy.setTokenLifetime(.seconds(1))
      // Every token from the pull has expired by now.
      try await Task.sleep(for: .seconds(5))
      let issuedBefore = try await env.tokensIssued(to: user.username)
      // Two phases 2 s apart: the second one's cached token is past the proxy's lifetime.
      let run = try ctr([
        "run", "--rm", "--snapshotter", "starling", image, "cred-\(getpid())", "sh", "-c",
        "find /usr/bin -type f | sort | xargs cat | sha256sum; sleep 2; "
          + "find /usr/lib -type f | sort | xargs cat | sha256sum",
      ])
      #expect(run.status == 0, "\(run.stderr)\n\(daemon.logText.suffix(3000))")
      let expected = try ["usr/bin", "usr/lib"].map { try Self.treeDigest(converted.original.appending(path: $0)) }
      #expect(run.stdout == expected.map { "\($0)  -\n" }.joined(), "\(run.stdout)")
      let issued = try await env.tokensIssued(to: user.username) - issuedBefore
      #expect(issued >= 1, "no token was renewed for the background fetches")
      #expect(proxy.staleTokensRejected >= 1, "the expired-token path was not exercised")
      let metrics = try daemon.metrics()
      #expect(metrics["starling_fetch_failures_total{source=\"registry\"}"] == nil, "\(metrics)")
      #expect((metrics["starling_fetch_bytes_total{source=\"registry\"}"] ?? 0) > 0)
      #expect(!daemon.logText.contains(user.password), "the password reached the log")
      print(
        "token renewal: \(issued) tokens issued during the run, \(proxy.staleTokensRejected) expired tokens refused")
    }

    @Test func chunksComeFromTheConfiguredMirrorAndFallBackToTheRegistry() async throws {
      let converted = try ConvertedFixture("small", repositoryPrefix: "lazy-mirror")
      try Containerd.start()
      // Two proxies in front of the same registry: the image is pulled from `origin`, and
      // the config names `mirror` as origin's mirror.
      let origin = try await FaultProxy(upstream: "http://\(converted.env.registry)")
      let mirror = try await FaultProxy(upstream: "http://\(converted.env.registry)")
      let scratch = try TemporaryDirectory()
      let config = scratch.url.appending(path: "starlingd.toml")
      try Data("[registries.\"\(origin.address)\"]\nmirrors = [\"\(mirror.address)\"]\n".utf8).write(to: config)
      let daemon = try Starlingd(
        root: scratch.url.appending(path: "root"), extraArguments: ["--config", config.path, "--no-docker-config"])
      let image = "\(origin.address)/\(converted.repository):1"
      defer {
        _ = try? ctr(["image", "rm", "--sync", image])
        daemon.stop()
        _ = try? Containerd.ctr(["namespaces", "rm", namespace])
        Task {
          try? await origin.shutdown()
          try? await mirror.shutdown()
        }
      }
      let pull = try CommandRunner.run(
        URL(fileURLWithPath: "/bin/bash"),
        [
          Containerd.script.path, "ctr-remote", "-n", namespace, "image", "rpull", "--plain-http", "--snapshotter",
          "starling", image,
        ])
      try #require(pull.status == 0, "\(pull.stderr)\n\(daemon.logText.suffix(3000))")
      let originAfterPull = origin.blobBytesServed
      let binaries = try ctr([
        "run", "--rm", "--snapshotter", "starling", image, "mirror-\(getpid())", "sh", "-c",
        "find /usr/bin -type f | sort | xargs cat | sha256sum",
      ])
      #expect(binaries.status == 0, "\(binaries.stderr)\n\(daemon.logText.suffix(3000))")
      #expect(binaries.stdout == "\(try Self.treeDigest(converted.original.appending(path: "usr/bin")))  -\n")
      // Chunks came from the mirror; the origin served only what the pull needed.
      #expect(mirror.blobBytesServed > 1_000_000, "mirror served \(mirror.blobBytesServed) B")
      #expect(origin.blobBytesServed == originAfterPull, "origin served chunks too")

      // The mirror goes down: reads fall back to the registry, with the right bytes.
      mirror.setOutage(.status(503))
      let libraries = try ctr([
        "run", "--rm", "--snapshotter", "starling", image, "mirror-down-\(getpid())", "sh", "-c",
        "find /usr/lib -type f | sort | xargs cat | sha256sum",
      ])
      #expect(libraries.status == 0, "\(libraries.stderr)\n\(daemon.logText.suffix(3000))")
      #expect(libraries.stdout == "\(try Self.treeDigest(converted.original.appending(path: "usr/lib")))  -\n")
      #expect(origin.blobBytesServed > originAfterPull + 1_000_000)
      let metrics = try daemon.metrics()
      #expect((metrics["starling_fetch_bytes_total{source=\"mirror\"}"] ?? 0) > 1_000_000, "\(metrics)")
      #expect((metrics["starling_fetch_failures_total{source=\"mirror\"}"] ?? 0) > 0)
      #expect((metrics["starling_fetch_bytes_total{source=\"registry\"}"] ?? 0) > 1_000_000)
    }

    /// sha256 of every regular file under `directory` concatenated in byte order of their
    /// paths, as `find DIR -type f | sort | xargs cat | sha256sum` prints it (C locale).
    static func treeDigest(_ directory: URL) throws -> String {
      let base = directory.deletingLastPathComponent().deletingLastPathComponent().path
      var files: [String] = []
      let enumerator = FileManager.default.enumerator(atPath: directory.path)
      while let relative = enumerator?.nextObject() as? String {
        let path = directory.appending(path: relative).path
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
        files.append(String(path.dropFirst(base.count)))
      }
      var hash = SHA256()
      for file in files.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
        hash.update(data: try Data(contentsOf: URL(fileURLWithPath: base + file)))
      }
      return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
  }
}
