import Foundation
import StarlingTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension MountTests {
  /// `starling mount` of each converted fixture shows exactly the tree containerd would
  /// unpack from the original image (types, modes, owners, times, content, links, xattrs,
  /// devices), and `starling umount` leaves nothing behind.
  @Suite struct Correctness {
    @Test(arguments: ["small", "small-docker", "python", "edge", "multi"])
    func mountedTreeMatchesTheOriginal(name: String) async throws {
      let platform = name == "multi" ? "linux/amd64" : nil
      let fixture = try await MountFixture(
        name, platform: platform, originalOf: name == "small-docker" ? "small" : nil)
      let original = try fixture.requireOriginal()
      let mount = try TestMount()
      defer { mount.cleanUp() }
      try await mount.mountOrFail(fixture.reference, platform.map { ["--platform", $0] } ?? [])
      let state = try #require(mount.state)
      #expect(state.mountpoint == mount.directory)
      #expect(!state.layers.isEmpty)
      #expect(Set(mount.mounted) == Set(state.layers + [mount.directory]), "\(mount.mounted)")

      let expected = fixture.scratch.url.appending(path: "original.json")
      let actual = fixture.scratch.url.appending(path: "mounted.json")
      try await Run.snapshot(original, to: expected)
      try await Run.snapshot(URL(fileURLWithPath: mount.directory), to: actual)
      let differences = try TreeTool.diff(expected, actual)
      if let differences { print("mount \(name): differences from the original:\n\(differences)") }
      #expect(differences == nil, "\(differences ?? "")")

      if name == "edge" {
        try checkHardLinks(snapshot: expected, mount: mount)
      }

      let umount = try await mount.umount()
      #expect(umount.status == 0, "\(umount.stderr)")
      #expect(umount.stdout.contains("unmounted \(mount.directory): fetched"), "\(umount.stdout)")
      #expect(mount.mounted.isEmpty, "still mounted: \(mount.mounted)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: mount.directory).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: mount.stateDirectory.path))
    }

    /// Every hard-link group of the original (tree.py's `hardlink_to`) is one inode on the mount.
    private func checkHardLinks(snapshot: URL, mount: TestMount) throws {
      let json = try JSONSerialization.jsonObject(with: Data(contentsOf: snapshot)) as? [String: Any]
      let entries = try #require(json?["entries"] as? [String: [String: Any]])
      let pairs = entries.compactMap { path, entry in
        (entry["hardlink_to"] as? String).flatMap { $0 == path ? nil : (path, $0) }
      }
      #expect(!pairs.isEmpty, "the edge fixture has hard links")
      for (path, target) in pairs.sorted(by: { $0.0 < $1.0 }) {
        let a = try lstatOrThrow(mount.path(path))
        let b = try lstatOrThrow(mount.path(target))
        #expect(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "\(path) and \(target) are one file in the image")
        #expect(a.st_nlink >= 2, "\(path): nlink \(a.st_nlink)")
      }
      print("mount edge: \(pairs.count) hard-link names share their group's inode")
    }
  }
}

/// lstat(2), throwing the errno.
func lstatOrThrow(_ path: String) throws -> stat {
  var st = stat()
  guard lstat(path, &st) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
  return st
}
