import Foundation
import StarlingTestSupport
import Testing

extension StarlingdTests {
  /// `starlingd` as containerd's `starling` proxy snapshotter, against the private containerd
  /// + runc: the ordinary path (containerd downloads and applies layers into our mounts),
  /// containerd's snapshot commands, garbage collection, and refused requests.
  @Suite struct SnapshotterTests {
    /// A namespace of our own: containerd's metadata from other runs cannot interfere.
    let namespace = "starling-ordinary-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    func ctr(_ arguments: [String]) throws -> CommandRunner.Result {
      try Containerd.ctr(["-n", namespace] + arguments)
    }

    func snapshots(_ arguments: [String]) throws -> CommandRunner.Result {
      try ctr(["snapshots", "--snapshotter", "starling"] + arguments)
    }

    @Test func anUnconvertedImageRunsThroughTheOrdinaryPath() throws {
      let env = try IntegrationEnvironment.current()
      let fixture = try Fixtures.load(env)("small")
      try Containerd.start()
      let scratch = try TemporaryDirectory()
      let daemon = try Starlingd(root: scratch.url.appending(path: "root"))
      defer {
        daemon.stop()
        _ = try? Containerd.ctr(["namespaces", "rm", namespace])
      }
      let image = "\(env.registry)/\(fixture.repository):\(fixture.tag)"
      _ = try? ctr(["image", "rm", "--sync", image])
      let pull = try ctr(["image", "pull", "--plain-http", "--snapshotter", "starling", image])
      #expect(pull.status == 0, "\(pull.stderr)\n\(daemon.logText.suffix(2000))")
      let name = "starling-ordinary-\(getpid())"
      let run = try ctr([
        "run", "--rm", "--snapshotter", "starling", image, name, "/bin/sh", "-c",
        "echo ordinary-ok; cat /etc/debian_version",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout.hasPrefix("ordinary-ok\n12."), "\(run.stdout)")

      // containerd's own view of our snapshots: one committed snapshot per layer, with usage.
      let list = try snapshots(["ls"])
      let committed = list.stdout.split(separator: "\n").filter {
        $0.hasSuffix("Committed ") || $0.hasSuffix("Committed")
      }
      #expect(committed.count == 2, "\(list.stdout)")
      let usage = try snapshots(["usage"])
      #expect(usage.status == 0 && usage.stdout.contains("MiB"), "\(usage.stdout)")
      let top = try #require(committed.first?.split(separator: " ").first.map(String.init))
      let info = try snapshots(["info", top])
      #expect(info.stdout.contains("\"Kind\": \"Committed\""), "\(info.stdout)")

      // Image removal lets containerd's GC remove every snapshot and its directory.
      #expect(try ctr(["image", "rm", "--sync", image]).status == 0)
      var remaining = try snapshots(["ls"]).stdout.split(separator: "\n").count - 1
      let deadline = Date().addingTimeInterval(15)
      while remaining > 0 && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.2)
        remaining = try snapshots(["ls"]).stdout.split(separator: "\n").count - 1
      }
      let left = try snapshots(["ls"]).stdout
      #expect(remaining == 0, "\(left)")
      let directories = try FileManager.default.contentsOfDirectory(
        atPath: daemon.root.appending(path: "snapshotter/snapshots").path)
      #expect(directories.isEmpty, "\(directories)")
    }

    @Test func refusedRequestsGetContainerdsErrorsAndCreateNothing() throws {
      try Containerd.start()
      let scratch = try TemporaryDirectory()
      let daemon = try Starlingd(root: scratch.url.appending(path: "root"))
      defer {
        daemon.stop()
        _ = try? Containerd.ctr(["namespaces", "rm", namespace])
      }
      let tag = "refused-\(getpid())"
      let missingParent = try snapshots(["prepare", "\(tag)-a", "no-such-parent"])
      #expect(missingParent.status != 0 && missingParent.stderr.contains("not found"), "\(missingParent.stderr)")
      let first = try snapshots(["prepare", "\(tag)-a"])
      #expect(first.status == 0, "\(first.stderr)\n\(daemon.logText.suffix(3000))")
      let duplicate = try snapshots(["prepare", "\(tag)-a"])
      #expect(duplicate.status != 0 && duplicate.stderr.contains("already exists"), "\(duplicate.stderr)")
      let missingCommit = try snapshots(["commit", "\(tag)-c", "\(tag)-missing"])
      #expect(missingCommit.status != 0 && missingCommit.stderr.contains("not found"), "\(missingCommit.stderr)")
      // A parent that is not committed, then one that has children and cannot go.
      let activeParent = try snapshots(["prepare", "\(tag)-b", "\(tag)-a"])
      #expect(activeParent.status != 0, "\(activeParent.stderr)")
      #expect(try snapshots(["commit", "\(tag)-c", "\(tag)-a"]).status == 0)
      #expect(try snapshots(["prepare", "\(tag)-b", "\(tag)-c"]).status == 0)
      let busyParent = try snapshots(["rm", "\(tag)-c"])
      #expect(busyParent.status != 0 && busyParent.stderr.contains("precondition"), "\(busyParent.stderr)")
      let list = try snapshots(["ls"]).stdout
      #expect(list.contains("\(tag)-b") && list.contains("\(tag)-c") && !list.contains("\(tag)-a "), "\(list)")
      #expect(try snapshots(["rm", "\(tag)-b"]).status == 0)
      #expect(try snapshots(["rm", "\(tag)-c"]).status == 0)
      #expect(!(try snapshots(["ls"]).stdout.contains(tag)))
    }

    @Test func configContainerdWritesTheProxyPluginOnce() throws {
      let scratch = try TemporaryDirectory()
      let file = scratch.url.appending(path: "etc/containerd/config.toml").path
      for _ in 0..<2 {
        let result = try CommandRunner.starling([
          "config", "containerd", "--write", "--file", file, "--address", "/run/x.sock",
        ])
        #expect(result.status == 0, "\(result.stderr)")
      }
      let text = try String(contentsOfFile: file, encoding: .utf8)
      #expect(text.components(separatedBy: "[proxy_plugins.starling]").count == 2, "\(text)")
      #expect(text.contains("address = \"/run/x.sock\"") && text.contains("type = \"snapshot\""))
    }
  }
}
