import Foundation
import StarlingTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension MountTests {
  /// The python fixture run from a lazy mount: it works, it needs a small part of the
  /// image, and the access trace names what it read.
  @Suite struct Python {
    static let importNumpy = ["python3", "-c", "import numpy; print(numpy.__version__)"]

    @Test func numpyImportsFetchingASmallPartOfTheImage() async throws {
      let fixture = try await MountFixture("python", unpackOriginal: false)
      let mount = try TestMount()
      defer { mount.cleanUp() }
      try await mount.mountOrFail(fixture.reference)
      let run = try await Run.limited(120, "/usr/sbin/chroot", [mount.directory] + Self.importNumpy)
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout == "1.24.2\n")

      // Read-ahead of opened files goes on in the background: wait until the figures settle.
      var figures = try #require(mount.statistics)
      for _ in 0..<30 {
        try await Task.sleep(for: .milliseconds(600))
        let next = try #require(mount.statistics)
        if next == figures { break }
        figures = next
      }
      let fetched = figures.indexBytes + figures.bytesFetched
      let share = Double(fetched) / Double(figures.imageBytes)
      print(
        "mount python: import numpy fetched \(fetched) of \(figures.imageBytes) image bytes "
          + "(\(String(format: "%.1f", share * 100))%: index \(figures.indexBytes), chunks \(figures.bytesFetched) "
          + "in \(figures.requests) requests; \(figures.cacheMisses) frames fetched, \(figures.readAheadFrames) by "
          + "read-ahead; \(figures.bytesServed) bytes served); mounted in \(figures.mountMilliseconds) ms")
      #expect(figures.indexBytes > 0)
      #expect(figures.bytesFetched > 0 && figures.cacheMisses > 0 && figures.bytesServed > 0)
      #expect(share < 0.5, "a lazy mount should not need most of the image to import numpy")

      let umount = try await mount.umount()
      #expect(umount.status == 0, "\(umount.stderr)")
      #expect(umount.stdout.contains("fetched"), "\(umount.stdout)")
      #expect(mount.mounted.isEmpty)
    }

    @Test func traceRecordsFirstAccessesAsJSONLines() async throws {
      let fixture = try await MountFixture("python", unpackOriginal: false)
      let mount = try TestMount()
      defer { mount.cleanUp() }
      let traceFile = fixture.scratch.url.appending(path: "trace.jsonl")
      try await mount.mountOrFail(fixture.reference, ["--trace", traceFile.path])
      let run = try await Run.limited(120, "/usr/sbin/chroot", [mount.directory] + Self.importNumpy)
      #expect(run.status == 0, "\(run.stderr)")
      let python = try resolve("usr/bin/python3", inside: mount.directory)
      let umount = try await mount.umount()
      #expect(umount.status == 0, "\(umount.stderr)")

      let text = try String(contentsOf: traceFile, encoding: .utf8)
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      #expect(lines.last == "", "the trace ends with a newline")
      var records: [(t: Int64, event: String, layer: String, path: String)] = []
      for line in lines where !line.isEmpty {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        guard let object, let t = (object["t_us"] as? NSNumber)?.int64Value, let event = object["event"] as? String,
          let layer = object["layer"] as? String, let path = object["path"] as? String
        else {
          Issue.record("malformed trace line: \(line)")
          continue
        }
        #expect(Set(object.keys) == ["t_us", "event", "layer", "path"], "\(line)")
        #expect(event == "open" || event == "read", "\(line)")
        #expect(layer.hasPrefix("sha256:") && layer.count == 71, "\(line)")
        records.append((t, event, layer, path.hasPrefix("/") ? String(path.dropFirst()) : path))
      }
      print("mount python: trace of import numpy has \(records.count) lines")
      #expect(records.count > 50)
      var seen = Set<String>()
      for record in records {
        #expect(seen.insert(record.layer + " " + record.path).inserted, "listed twice: \(record.path)")
      }
      for (a, b) in zip(records, records.dropFirst()) {
        #expect(a.t <= b.t, "t_us goes back: \(a.path) at \(a.t), then \(b.path) at \(b.t)")
      }
      #expect(records.contains { $0.path == python }, "\(python) (the python binary) is not in the trace")
      // Python reads numpy's __init__ from its cached bytecode when that is current.
      #expect(
        records.contains {
          $0.path == "usr/lib/python3/dist-packages/numpy/__init__.py"
            || ($0.path.hasPrefix("usr/lib/python3/dist-packages/numpy/__pycache__/__init__.")
              && $0.path.hasSuffix(".pyc"))
        }, "numpy's __init__ is not in the trace")
      #expect(records.map(\.layer).allSatisfy { $0 == records.first?.layer } == false, "files of several layers")
    }

    /// Follows symlinks of `path` within the tree at `root` (absolute targets stay inside it).
    private func resolve(_ path: String, inside root: String) throws -> String {
      var current = path
      for _ in 0..<40 {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + current) else {
          return current
        }
        if target.hasPrefix("/") {
          current = String(target.dropFirst())
        } else {
          current = (current.split(separator: "/").dropLast().map(String.init) + [target]).joined(separator: "/")
        }
        current = (current as NSString).standardizingPath
      }
      throw POSIXError(.ELOOP)
    }
  }
}
