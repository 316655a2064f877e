import Foundation
import StarlingTestSupport
import Testing

extension MountTests {
  /// A mounted image whose registry fails after the mount: reads wait (retrying) up to
  /// --fetch-timeout and then fail with EIO, never with wrong bytes, and work again once
  /// the registry is back.
  @Suite struct Faults {
    /// A large file of the small fixture (3.6 MiB: several chunk frames).
    static let bigFile = "usr/bin/perl"

    /// Converts the small fixture, mounts it through a fault proxy with `options`, and runs
    /// `body`; always unmounts and stops the proxy.
    private func withProxiedMount(
      _ options: [String], _ body: (FaultProxy, TestMount, URL) async throws -> Void
    ) async throws {
      let fixture = try await MountFixture("small")
      let original = try fixture.requireOriginal()
      let proxy = try await FaultProxy(upstream: "http://\(fixture.env.registry)")
      let mount = try TestMount()
      do {
        try await mount.mountOrFail(fixture.reference(via: proxy.address), options)
        try await body(proxy, mount, original)
        let umount = try await mount.umount()
        #expect(umount.status == 0, "\(umount.stderr)")
        #expect(mount.mounted.isEmpty)
      } catch {
        mount.cleanUp()
        try? await proxy.shutdown()
        throw error
      }
      mount.cleanUp()
      try await proxy.shutdown()
    }

    @Test func registryDownFailsReadsWithEIOAfterTheTimeoutThenRecovers() async throws {
      try await withProxiedMount(["--fetch-timeout", "3", "--read-ahead", "0"]) { proxy, mount, original in
        let expected = try originalBytes(original, Self.bigFile)
        proxy.setOutage(.closeConnection)
        let failed = try await CatRun.read(mount.path(Self.bigFile))
        let log = (try? String(contentsOf: mount.stateDirectory.appending(path: "log"), encoding: .utf8)) ?? ""
        let failures = log.split(separator: "\n").filter { $0.contains("read failed") }
        print(
          "mount fault: registry down, cat failed after \(failed.elapsed) (\(failures.count) reads failed) with: "
            + failed.stderr)
        #expect(failed.status == 1, "cat should fail, not time out (status \(failed.status))")
        #expect(failed.stderr.contains("Input/output error"), "\(failed.stderr)")
        #expect(failed.elapsed >= .seconds(3), "failed before --fetch-timeout: \(failed.elapsed)")
        #expect(failed.elapsed < .seconds(30), "failed long after --fetch-timeout: \(failed.elapsed)")
        #expect(expected.starts(with: failed.bytes), "bytes before the error must be the file's")
        #expect(proxy.requestsFailedByOutage > 0)

        proxy.setOutage(nil)
        let read = try await CatRun.read(mount.path(Self.bigFile))
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.bytes == expected, "read \(read.bytes.count) bytes, expected \(expected.count)")
        let figures = try await mount.statistics { $0.retries > 0 }
        #expect((figures?.retries ?? 0) > 0)
      }
    }

    @Test func readWaitsForARegistryThatComesBackBeforeTheTimeout() async throws {
      try await withProxiedMount(["--fetch-timeout", "30"]) { proxy, mount, original in
        let expected = try originalBytes(original, Self.bigFile)
        proxy.setOutage(.status(503))
        let cat = try CatRun(mount.path(Self.bigFile))
        try await Task.sleep(for: .seconds(2))
        let failedSoFar = proxy.requestsFailedByOutage
        proxy.setOutage(nil)
        let read = try await cat.finish()
        print("mount fault: registry down for 2 s, cat took \(read.elapsed); \(failedSoFar) requests answered 503")
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.bytes == expected, "read \(read.bytes.count) bytes, expected \(expected.count)")
        #expect(read.elapsed >= .seconds(2))
        #expect(failedSoFar > 0)
        let figures = try await mount.statistics { $0.retries > 0 }
        #expect((figures?.retries ?? 0) > 0, "stats.json: \(String(describing: figures))")
      }
    }

    @Test func corruptChunksAreNeverServedNorCached() async throws {
      try await withProxiedMount(["--fetch-timeout", "3", "--read-ahead", "0"]) { proxy, mount, original in
        let expected = try originalBytes(original, Self.bigFile)
        proxy.setCorruptingBlobBodies(true)
        let failed = try await CatRun.read(mount.path(Self.bigFile))
        print("mount fault: corrupt chunks, cat ended after \(failed.elapsed) with: \(failed.stderr)")
        if failed.status == 0 {
          #expect(failed.bytes == expected, "a read through corrupt chunks returned different bytes")
        }
        #expect(expected.starts(with: failed.bytes), "bytes before the error must be the file's")
        #expect(failed.status == 1 && failed.stderr.contains("Input/output error"), "\(failed.stderr)")
        #expect(proxy.corruptedBodies > 0)
        let figures = try await mount.statistics { $0.corruptFrames > 0 }
        #expect((figures?.corruptFrames ?? 0) > 0, "stats.json: \(String(describing: figures))")

        proxy.setCorruptingBlobBodies(false)
        let read = try await CatRun.read(mount.path(Self.bigFile))
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.bytes == expected, "read \(read.bytes.count) bytes, expected \(expected.count)")
      }
    }
  }
}
