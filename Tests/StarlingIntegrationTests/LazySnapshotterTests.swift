import Foundation
import StarlingTestSupport
import Testing

extension StarlingdTests {
  /// The lazy path under real containerd + runc: `ctr-remote image rpull --snapshotter
  /// starling` of a converted image mounts its layers through FUSE without downloading them,
  /// `ctr run` starts it, and a restarted daemon serves the same snapshots again.
  @Suite struct LazySnapshotterTests {
    /// A namespace of our own: containerd's metadata from other runs cannot interfere.
    let namespace = "starling-lazy-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    func ctr(_ arguments: [String]) throws -> CommandRunner.Result {
      try Containerd.ctr(["-n", namespace] + arguments)
    }

    func ctrRemote(_ arguments: [String]) throws -> CommandRunner.Result {
      try CommandRunner.run(
        URL(fileURLWithPath: "/bin/bash"), [Containerd.script.path, "ctr-remote", "-n", namespace] + arguments)
    }

    @Test func aConvertedImageStartsLazilyAndSurvivesADaemonRestart() async throws {
      let converted = try ConvertedFixture("python", repositoryPrefix: "lazy-snapshotter")
      try Containerd.start()
      // Every byte starlingd and containerd fetch goes through the proxy, which counts them.
      let proxy = try await FaultProxy(upstream: "http://\(converted.env.registry)")
      let scratch = try TemporaryDirectory()
      var daemon: Starlingd? = try Starlingd(root: scratch.url.appending(path: "root"))
      let image = "\(proxy.address)/\(converted.repository):1"
      defer {
        _ = try? ctr(["image", "rm", "--sync", image])
        daemon?.stop()
        _ = try? Containerd.ctr(["namespaces", "rm", namespace])
        Task { try? await proxy.shutdown() }
      }

      let pullStart = ContinuousClock.now
      let pull = try ctrRemote(["image", "rpull", "--plain-http", "--snapshotter", "starling", image])
      let pullTime = pullStart.duration(to: .now)
      #expect(pull.status == 0, "\(pull.stderr)\n\(daemon?.logText.suffix(3000) ?? "")")
      let pulledBytes = proxy.blobBytesServed
      let manifest = try #require(
        try CommandRunner.starling(["inspect", "--json", "\(converted.env.registry)/\(converted.repository):1"]).stdout
          .data(using: .utf8))
      let imageBytes = try Self.compressedSize(manifest)
      // Only indexes and the config cross the wire at pull time.
      #expect(pulledBytes < imageBytes / 50, "pull fetched \(pulledBytes) of \(imageBytes) bytes")
      let log = daemon?.logText ?? ""
      #expect(log.components(separatedBy: "layer mounted lazily").count - 1 == 5, "\(log.suffix(3000))")

      let runStart = ContinuousClock.now
      let run = try ctr([
        "run", "--rm", "--snapshotter", "starling", image, "lazy-\(getpid())", "python3", "-c",
        "import numpy; print(numpy.__version__)",
      ])
      let runTime = runStart.duration(to: .now)
      #expect(run.status == 0, "\(run.stderr)\n\(daemon?.logText.suffix(3000) ?? "")")
      #expect(run.stdout == "1.24.2\n")
      let totalBytes = proxy.blobBytesServed
      print(
        "lazy snapshotter: rpull \(pullTime), fetched \(pulledBytes) B; run \(runTime); "
          + "registry blob bytes \(totalBytes) of \(imageBytes) (\(totalBytes * 100 / imageBytes)%)")
      #expect(totalBytes < imageBytes / 2, "fetched \(totalBytes) of \(imageBytes)")

      // Every layer says how it was served.
      let list = try ctr(["snapshots", "--snapshotter", "starling", "ls"]).stdout
      let names = list.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) }
      #expect(names.count == 5, "\(list)")
      for name in names {
        let info = try ctr(["snapshots", "--snapshotter", "starling", "info", name]).stdout
        #expect(info.contains("\"containerd.io/snapshot/starling.outcome\": \"lazy\""), "\(info)")
      }

      // The daemon's metrics count the same: 5 lazy layers served, chunk bytes by source.
      let metrics = try #require(daemon).metrics()
      #expect(metrics["starling_layers_total{outcome=\"lazy\"}"] == 5, "\(metrics)")
      #expect(metrics["starling_lazy_mounts"] == 5)
      let chunkBytes = metrics["starling_fetch_bytes_total{source=\"registry\"}"] ?? 0
      // Chunks are what the proxy served after the pull (the pull itself read the indexes).
      #expect(
        chunkBytes > 0 && Int(chunkBytes) <= totalBytes - pulledBytes, "\(chunkBytes) vs \(totalBytes - pulledBytes)")
      #expect((metrics["starling_fetch_duration_seconds_count{source=\"registry\"}"] ?? 0) > 0)
      #expect((metrics["starling_chunk_cache_misses_total"] ?? 0) > 0)
      #expect((metrics["starling_snapshot_requests_total{rpc=\"prepare\",code=\"alreadyExists\"}"] ?? 0) >= 5)

      // `starling status` tells the same story, from the daemon's metadata.
      let status = try CommandRunner.starling(["status", "--root", scratch.url.appending(path: "root").path])
      #expect(status.status == 0 && status.stdout.contains("5 lazy layers"), "\(status.stdout)\(status.stderr)")

      // kill -9 and restart: the daemon mounts the committed lazy layers again from its
      // metadata, and a new container starts without another pull.
      daemon?.kill9()
      daemon = try Starlingd(root: scratch.url.appending(path: "root"))
      #expect(daemon?.logText.components(separatedBy: "lazy layer restored").count ?? 0 > 5)
      let again = try ctr([
        "run", "--rm", "--snapshotter", "starling", image, "lazy-again-\(getpid())", "python3", "-c",
        "import numpy; print(numpy.__version__)",
      ])
      #expect(again.status == 0 && again.stdout == "1.24.2\n", "\(again.stderr)\n\(daemon?.logText.suffix(3000) ?? "")")
      let afterRestart = try ctr(["snapshots", "--snapshotter", "starling", "ls"]).stdout
      #expect(afterRestart.split(separator: "\n").count - 1 == 5, "\(afterRestart)")

      // Removing the image lets GC remove the snapshots and their FUSE mounts.
      #expect(try ctr(["image", "rm", "--sync", image]).status == 0)
      let root = scratch.url.appending(path: "root").path
      let deadline = Date().addingTimeInterval(20)
      var leftover = try ctr(["snapshots", "--snapshotter", "starling", "ls"]).stdout.split(separator: "\n").count - 1
      while leftover > 0 && Date() < deadline {
        try await Task.sleep(for: .milliseconds(200))
        leftover = try ctr(["snapshots", "--snapshotter", "starling", "ls"]).stdout.split(separator: "\n").count - 1
      }
      #expect(leftover == 0)
      // containerd's content GC then leaves nothing of the image in this namespace.
      #expect(try ctr(["content", "prune", "references"]).status == 0)
      let content = try ctr(["content", "ls", "-q"]).stdout.split(separator: "\n")
      #expect(content.isEmpty, "content left: \(content)")
      // Unmounting is asynchronous after Remove: give it a moment.
      var left: [String] = []
      for _ in 0..<50 {
        left = MountInfo.mountpoints().filter { $0.hasPrefix(root) }
        if left.isEmpty { break }
        try await Task.sleep(for: .milliseconds(100))
      }
      #expect(
        left.isEmpty,
        "mounts left: \(left)\n\(daemon?.logText.split(separator: "\n").filter { $0.contains("remove") || $0.contains("rror") || $0.contains("arn") }.joined(separator: "\n") ?? "")"
      )
    }

    @Test func aManifestThatLiesAboutItsIndexFallsBackToTheOrdinaryPath() async throws {
      let converted = try ConvertedFixture("small", repositoryPrefix: "lazy-lying")
      try Containerd.start()
      // The same image, but every layer's index digest annotation is wrong: the snapshotter
      // must notice, take the ordinary path for each layer, say why, and the image still runs.
      let registry = converted.env.registry
      let lying = try Self.pushWithWrongIndexDigests(
        registry: registry, repository: converted.repository, from: "1", to: "lying")
      let scratch = try TemporaryDirectory()
      let daemon = try Starlingd(root: scratch.url.appending(path: "root"))
      let image = "\(registry)/\(converted.repository):\(lying)"
      defer {
        _ = try? ctr(["image", "rm", "--sync", image])
        daemon.stop()
        _ = try? Containerd.ctr(["namespaces", "rm", namespace])
      }
      let pull = try ctrRemote(["image", "rpull", "--plain-http", "--snapshotter", "starling", image])
      #expect(pull.status == 0, "\(pull.stderr)\n\(daemon.logText.suffix(3000))")
      let run = try ctr([
        "run", "--rm", "--snapshotter", "starling", image, "lying-\(getpid())", "cat", "/etc/debian_version",
      ])
      #expect(run.status == 0 && run.stdout.hasPrefix("12."), "\(run.stdout)\(run.stderr)")
      let log = daemon.logText
      #expect(!log.contains("layer mounted lazily"), "\(log.suffix(2000))")
      #expect(log.components(separatedBy: "falls back to the ordinary path").count - 1 == 2, "\(log.suffix(3000))")
      let status = try CommandRunner.starling(["status", "--root", scratch.url.appending(path: "root").path])
      #expect(status.stdout.contains("0 lazy layers, 2 ordinary"), "\(status.stdout)")
      #expect(status.stdout.contains("digest"), "the reason names the digest problem: \(status.stdout)")
    }

    /// Re-pushes `repository:from` as `to` with each layer's index digest annotation replaced
    /// by a wrong one (the blobs stay the same). Returns the tag.
    static func pushWithWrongIndexDigests(registry: String, repository: String, from: String, to: String) throws
      -> String
    {
      let script = """
        import json, sys, urllib.request
        reg, repo, src, dst = sys.argv[1:5]
        accept = "application/vnd.oci.image.manifest.v1+json"
        req = urllib.request.Request(f"http://{reg}/v2/{repo}/manifests/{src}", headers={"Accept": accept})
        manifest = json.load(urllib.request.urlopen(req))
        for layer in manifest["layers"]:
            layer["annotations"]["containerd.io/snapshot/starling.index.digest"] = "sha256:" + "ab" * 32
        body = json.dumps(manifest).encode()
        put = urllib.request.Request(f"http://{reg}/v2/{repo}/manifests/{dst}", data=body, method="PUT",
                                     headers={"Content-Type": manifest.get("mediaType", accept)})
        urllib.request.urlopen(put)
        """
      let result = try CommandRunner.run(
        URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, registry, repository, from, to])
      guard result.status == 0 else { throw ToolFailure(command: "push lying manifest", output: result.stderr) }
      return to
    }

    /// Sum of the compressed layer sizes in `starling inspect --json` output.
    static func compressedSize(_ json: Data) throws -> Int {
      let object = try JSONSerialization.jsonObject(with: json) as? [String: [[String: Any]]] ?? [:]
      return object.values.flatMap { $0 }.reduce(0) { $0 + (($1["compressedBytes"] as? Int) ?? 0) }
    }
  }
}
