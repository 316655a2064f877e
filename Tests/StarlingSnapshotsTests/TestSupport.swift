import Foundation
import StarlingSnapshots
import Synchronization

/// A clock the tests move by hand, in whole seconds so stored times compare exactly.
final class TestClock: Sendable {
  private let current = Mutex(Date(timeIntervalSince1970: 1_700_000_000))

  func now() -> Date { current.withLock { $0 } }

  func advance(seconds: TimeInterval = 1) {
    current.withLock { $0 += seconds }
  }
}

/// A fresh directory under the system's temporary directory, removed by `body`'s caller.
func makeTemporaryDirectory() throws -> String {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("starling-snapshots-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Runs `body` with a store in a new temporary root, then deletes the root.
func withStore(_ body: (SnapshotStore, TestClock, String) throws -> Void) throws {
  let root = try makeTemporaryDirectory()
  defer { try? FileManager.default.removeItem(atPath: root) }
  let clock = TestClock()
  let store = try SnapshotStore(root: root, now: { clock.now() })
  try body(store, clock, root)
}

/// The error `body` throws as a `SnapshotError`, or nil if it throws nothing or something else.
func snapshotError(_ body: () throws -> Void) -> SnapshotError? {
  do {
    try body()
    return nil
  } catch let error as SnapshotError {
    return error
  } catch {
    return nil
  }
}

/// A chain base <- layer1 <- layer2 of committed snapshots, as an image unpack leaves it.
@discardableResult
func commitChain(_ store: SnapshotStore, names: [String]) throws -> [SnapshotInfo] {
  var parent: String?
  var infos: [SnapshotInfo] = []
  for name in names {
    try store.prepare(key: "extract \(name)", parent: parent)
    infos.append(try store.commit(name: name, key: "extract \(name)"))
    parent = name
  }
  return infos
}
