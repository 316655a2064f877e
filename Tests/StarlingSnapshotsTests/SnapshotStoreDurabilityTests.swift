import Foundation
import StarlingSnapshots
import Testing

@Suite struct SnapshotStoreDurabilityTests {
  @Test func databaseIsInTheRootInWALMode() throws {
    try withStore { store, _, root throws in
      #expect(store.databasePath == root + "/metadata.db")
      #expect(FileManager.default.fileExists(atPath: store.databasePath))
      #expect(try store.journalMode() == "wal")
    }
  }

  @Test func createsAMissingRoot() throws {
    let parent = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: parent) }
    let store = try SnapshotStore(root: parent + "/a/b")
    try store.prepare(key: "k", parent: nil)
    #expect(FileManager.default.fileExists(atPath: parent + "/a/b/metadata.db"))
  }

  @Test func reopenKeepsEverything() throws {
    let root = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let clock = TestClock()
    var before: [SnapshotInfo] = []
    var removedID: Int64 = 0
    do {
      let store = try SnapshotStore(root: root, now: { clock.now() })
      try commitChain(store, names: ["base", "layer"])
      try store.prepare(key: "container", parent: "layer", labels: ["a": "1"])
      try store.setUsage(key: "base", size: 10, inodes: 2)
      try store.setLazyFields(key: "layer", lazyImage: "img", lazyLayerDigest: "sha256:d", outcome: "lazy")
      removedID = try store.prepare(key: "gone", parent: nil).id
      try store.remove(key: "gone")
      before = try store.list()
      try store.close()
      #expect(throws: (any Error).self) { _ = try store.list() }
    }
    clock.advance()
    let reopened = try SnapshotStore(root: root, now: { clock.now() })
    #expect(try reopened.list() == before)
    #expect(try reopened.ancestors(of: "container") == [before[2].id, before[0].id])
    let next = try reopened.prepare(key: "new", parent: "layer")
    #expect(next.id > removedID, "ids are not reused after a reopen either")
    #expect(try reopened.unreferencedDirectories(existing: [removedID]) == [removedID])
  }

  @Test func commitRefusedAfterItChangedTheRowLeavesTheActiveSnapshot() throws {
    // The commit renames the row, then writes labels; the oversized label fails after the
    // rename, and the transaction must put everything back.
    try withStore { store, clock, _ throws in
      try commitChain(store, names: ["base"])
      let active = try store.prepare(key: "k", parent: "base", labels: ["keep": "me"])
      clock.advance()
      let big = String(repeating: "x", count: SnapshotLabels.maximumPairSize)
      let error = snapshotError { try store.commit(name: "layer", key: "k", labels: ["a": "1", "z": big]) }
      #expect(error?.code == .invalidArgument)
      #expect(try store.stat(key: "k") == active)
      #expect(snapshotError { _ = try store.stat(key: "layer") } == .notFound(key: "layer"))
      #expect(try store.list().map(\.name) == ["base", "k"])
      // And it can still be committed properly.
      #expect(try store.commit(name: "layer", key: "k").id == active.id)
    }
  }

  @Test func concurrentPreparesGetDistinctIds() async throws {
    let root = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try SnapshotStore(root: root)
    let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
      for index in 0..<32 {
        group.addTask { try store.prepare(key: "k\(index)", parent: nil).id }
      }
      return try await group.reduce(into: [Int64]()) { $0.append($1) }
    }
    #expect(Set(ids).count == 32)
    #expect(try store.list().count == 32)
  }
}
