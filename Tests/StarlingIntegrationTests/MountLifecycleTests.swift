import Foundation
import StarlingTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension MountTests {
  /// How a mount starts, stops and dies: refusal of unconverted images, a writable upper
  /// layer, a busy mount point, and the server being killed.
  @Suite struct Lifecycle {
    @Test func killedServerLeavesNoMountBehindAndSigtermUnmounts() async throws {
      let fixture = try await MountFixture("small", unpackOriginal: false)
      let mount = try TestMount()
      defer { mount.cleanUp() }

      try await mount.mountOrFail(fixture.reference)
      let killed = try #require(mount.state)
      #expect(killed.layers.count == 2)
      #expect(kill(killed.pid, SIGKILL) == 0)
      let start = ContinuousClock.now
      let gone = try await mount.waitUntilUnmounted(within: .seconds(10))
      print("mount lifecycle: after kill -9, mounts detached in \(start.duration(to: .now))")
      #expect(gone, "still mounted 10 s after kill -9: \(mount.mounted)")
      let ls = try await Run.limited(10, "/bin/ls", ["-A", mount.directory])
      #expect(ls.status == 0, "ls of the mount point: status \(ls.status), \(ls.stderr)")
      #expect(ls.stdout.isEmpty, "\(ls.stdout)")
      for layer in killed.layers {
        #expect(!mount.mounted.contains(layer), "\(layer)")
      }

      // Mount again at the same place; SIGTERM unmounts cleanly.
      try await mount.mountOrFail(fixture.reference)
      let stopped = try #require(mount.state)
      #expect(stopped.pid != killed.pid)
      #expect(kill(stopped.pid, SIGTERM) == 0)
      #expect(try await mount.waitUntilUnmounted(within: .seconds(10)), "still mounted: \(mount.mounted)")
      #expect(try await exited(stopped.pid, within: .seconds(10)), "the server did not exit on SIGTERM")
      #expect(try FileManager.default.contentsOfDirectory(atPath: mount.directory).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: mount.stateDirectory.path))
    }

    @Test func unconvertedImageIsRefusedWithAHint() async throws {
      let env = try IntegrationEnvironment.current()
      let fixture = try Fixtures.load(env)("small")
      let mount = try TestMount()
      defer { mount.cleanUp() }
      let result = try await mount.mount("\(env.registry)/\(fixture.repository):\(fixture.tag)")
      #expect(result.status == 1, "\(result.stdout)")
      #expect(result.stderr.contains("not a Starling image"), "\(result.stderr)")
      #expect(result.stderr.contains("starling convert"), "\(result.stderr)")
      #expect(mount.mounted.isEmpty, "\(mount.mounted)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: mount.directory).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: mount.stateDirectory.path))
    }

    @Test func writableMountKeepsWritesUntilUnmount() async throws {
      let fixture = try await MountFixture("small")
      let original = try fixture.requireOriginal()
      let mount = try TestMount()
      defer { mount.cleanUp() }
      try await mount.mountOrFail(fixture.reference, ["--writable"])
      #expect(mount.state?.writable == true)
      let upper = mount.stateDirectory.appending(path: "upper")
      #expect(FileManager.default.fileExists(atPath: upper.path))

      let text = Data("written through the overlay\n".utf8)
      let created = mount.path("root/created.txt")
      try await Run.offPool { try text.write(to: URL(fileURLWithPath: created)) }
      #expect(try await Run.offPool { try Data(contentsOf: URL(fileURLWithPath: created)) } == text)
      #expect(FileManager.default.fileExists(atPath: upper.appending(path: "root/created.txt").path))
      let lower = try await CatRun.read(mount.path("etc/os-release"))
      #expect(lower.status == 0, "\(lower.stderr)")
      #expect(lower.bytes == (try originalBytes(original, "etc/os-release")))
      let big = try await CatRun.read(mount.path(Faults.bigFile))
      #expect(big.bytes == (try originalBytes(original, Faults.bigFile)))

      let umount = try await mount.umount()
      #expect(umount.status == 0, "\(umount.stderr)")
      #expect(mount.mounted.isEmpty)
      #expect(!FileManager.default.fileExists(atPath: upper.path))
      #expect(!FileManager.default.fileExists(atPath: created))
    }

    @Test func busyMountIsNotUnmountedUnlessForced() async throws {
      let fixture = try await MountFixture("small", unpackOriginal: false)
      let mount = try TestMount()
      defer { mount.cleanUp() }
      try await mount.mountOrFail(fixture.reference)
      let sleeper = Process()
      sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
      sleeper.arguments = ["30"]
      sleeper.currentDirectoryURL = URL(fileURLWithPath: mount.path("usr/bin"))
      try sleeper.run()
      defer {
        kill(sleeper.processIdentifier, SIGKILL)
        sleeper.waitUntilExit()
      }

      let busy = try await mount.umount()
      #expect(busy.status != 0)
      #expect(busy.stderr.contains("busy"), "\(busy.stderr)")
      #expect(mount.mounted.contains(mount.directory), "a refused umount must leave the mount in place")
      #expect(FileManager.default.fileExists(atPath: mount.path("usr/bin/perl")))

      let start = ContinuousClock.now
      let forced = try await mount.umount(force: true)
      print("mount lifecycle: umount --force of a busy mount took \(start.duration(to: .now))")
      #expect(forced.status == 0, "\(forced.stderr)")
      #expect(forced.stdout.contains("unmounted \(mount.directory)"), "\(forced.stdout)")
      #expect(mount.mounted.isEmpty, "\(mount.mounted)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: mount.directory).isEmpty)
      #expect(sleeper.isRunning, "the process inside was not killed by the forced unmount")
    }

    /// Polls until `pid` no longer exists.
    private func exited(_ pid: Int32, within limit: Duration) async throws -> Bool {
      let deadline = ContinuousClock.now + limit
      while ContinuousClock.now < deadline {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        try await Task.sleep(for: .milliseconds(50))
      }
      return false
    }
  }
}
