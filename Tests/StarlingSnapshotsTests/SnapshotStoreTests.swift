import Foundation
import StarlingSnapshots
import Testing

@Suite struct SnapshotStoreTests {
  @Test func prepareRecordsAnActiveSnapshot() throws {
    try withStore { store, clock, _ throws in
      let info = try store.prepare(key: "k1", parent: nil, labels: ["a": "1"])
      #expect(info.name == "k1")
      #expect(info.kind == .active)
      #expect(info.parent == nil)
      #expect(info.labels == ["a": "1"])
      #expect(info.created == clock.now() && info.updated == clock.now())
      #expect(info.usage == .zero)
      #expect(info.lazyImage == nil && info.lazyLayerDigest == nil && info.outcome == nil)
      #expect(try store.stat(key: "k1") == info)
    }
  }

  @Test func viewRecordsAViewOfACommittedParent() throws {
    try withStore { store, _, _ throws in
      try commitChain(store, names: ["base"])
      let view = try store.view(key: "v", parent: "base")
      #expect(view.kind == .view)
      #expect(view.parent == "base")
    }
  }

  @Test func emptyParentMeansNone() throws {
    try withStore { store, _, _ throws in
      #expect(try store.prepare(key: "k", parent: "").parent == nil)
    }
  }

  @Test func unknownParentIsNotFound() throws {
    try withStore { store, _, _ throws in
      #expect(snapshotError { try store.prepare(key: "k", parent: "nope") } == .notFound(key: "nope"))
      #expect(snapshotError { try store.view(key: "k", parent: "nope") } == .notFound(key: "nope"))
      #expect(try store.list().isEmpty)
    }
  }

  @Test func parentThatIsNotCommittedIsInvalidArgument() throws {
    try withStore { store, _, _ throws in
      try store.prepare(key: "active", parent: nil)
      let error = snapshotError { try store.prepare(key: "child", parent: "active") }
      #expect(error?.code == .invalidArgument)
      #expect(error?.description.contains("\"active\" is not a committed snapshot") == true)
      try commitChain(store, names: ["base"])
      try store.view(key: "view", parent: "base")
      #expect(snapshotError { try store.view(key: "child", parent: "view") }?.code == .invalidArgument)
      #expect(try store.list().map(\.name) == ["active", "base", "view"])
    }
  }

  @Test func duplicateKeyIsAlreadyExists() throws {
    try withStore { store, _, _ throws in
      let first = try store.prepare(key: "k", parent: nil, labels: ["x": "1"])
      #expect(snapshotError { try store.prepare(key: "k", parent: nil) } == .alreadyExists(key: "k"))
      #expect(snapshotError { try store.view(key: "k", parent: nil) } == .alreadyExists(key: "k"))
      try commitChain(store, names: ["base"])
      #expect(snapshotError { try store.prepare(key: "base", parent: nil) } == .alreadyExists(key: "base"))
      #expect(try store.stat(key: "k") == first, "the first record is untouched")
    }
  }

  @Test func emptyKeyIsInvalidArgument() throws {
    try withStore { store, _, _ throws in
      #expect(snapshotError { try store.prepare(key: "", parent: nil) }?.code == .invalidArgument)
    }
  }

  @Test func commitKeepsTheIdAndReplacesTheKey() throws {
    try withStore { store, clock, _ throws in
      try commitChain(store, names: ["base"])
      let active = try store.prepare(key: "extract", parent: "base", labels: ["old": "1"])
      clock.advance()
      let committed = try store.commit(
        name: "layer", key: "extract", labels: ["containerd.io/snapshot.ref": "layer"],
        usage: SnapshotUsage(size: 4096, inodes: 3)
      )
      #expect(committed.id == active.id)
      #expect(committed.name == "layer")
      #expect(committed.kind == .committed)
      #expect(committed.parent == "base")
      #expect(committed.labels == ["containerd.io/snapshot.ref": "layer"], "labels are replaced, not merged")
      #expect(committed.created == clock.now() && committed.updated == clock.now(), "containerd resets created")
      #expect(committed.usage == SnapshotUsage(size: 4096, inodes: 3))
      #expect(snapshotError { _ = try store.stat(key: "extract") } == .notFound(key: "extract"))
      #expect(try store.stat(key: "layer") == committed)
    }
  }

  @Test func commitWithoutLabelsLeavesNone() throws {
    try withStore { store, _, _ throws in
      try store.prepare(key: "k", parent: nil, labels: ["a": "1"])
      #expect(try store.commit(name: "n", key: "k").labels.isEmpty)
    }
  }

  @Test func commitOfAMissingKeyIsNotFound() throws {
    try withStore { store, _, _ throws in
      #expect(snapshotError { try store.commit(name: "n", key: "missing") } == .notFound(key: "missing"))
      #expect(try store.list().isEmpty)
    }
  }

  @Test func onlyAnActiveSnapshotCanBeCommitted() throws {
    try withStore { store, _, _ throws in
      try commitChain(store, names: ["base"])
      try store.view(key: "v", parent: "base")
      let viewError = snapshotError { try store.commit(name: "n", key: "v") }
      #expect(viewError?.code == .failedPrecondition)
      #expect(viewError?.description.contains("\"v\"") == true)
      #expect(snapshotError { try store.commit(name: "n", key: "base") }?.code == .failedPrecondition)
      #expect(try store.stat(key: "v").kind == .view)
    }
  }

  @Test func commitNameTakenIsAlreadyExistsAndLeavesTheActiveSnapshot() throws {
    try withStore { store, _, _ throws in
      try commitChain(store, names: ["taken"])
      let active = try store.prepare(key: "k", parent: "taken", labels: ["keep": "me"])
      #expect(snapshotError { try store.commit(name: "taken", key: "k") } == .alreadyExists(key: "taken"))
      #expect(try store.stat(key: "k") == active)
      // containerd checks the name before the key.
      #expect(snapshotError { try store.commit(name: "taken", key: "missing") } == .alreadyExists(key: "taken"))
      #expect(snapshotError { try store.commit(name: "k", key: "k") } == .alreadyExists(key: "k"))
    }
  }

  @Test func removeDeletesAndReturnsTheRecord() throws {
    try withStore { store, _, _ throws in
      let info = try store.prepare(key: "k", parent: nil, labels: ["a": "1"])
      #expect(try store.remove(key: "k") == info)
      #expect(snapshotError { _ = try store.stat(key: "k") } == .notFound(key: "k"))
      #expect(snapshotError { try store.remove(key: "k") } == .notFound(key: "k"))
    }
  }

  @Test func removeWithChildrenIsFailedPrecondition() throws {
    try withStore { store, _, _ throws in
      try commitChain(store, names: ["base", "layer"])
      try store.view(key: "v", parent: "base")
      let error = snapshotError { try store.remove(key: "base") }
      #expect(error?.code == .failedPrecondition)
      #expect(error?.description.contains("\"layer\", \"v\"") == true, "\(String(describing: error))")
      try store.remove(key: "layer")
      #expect(snapshotError { try store.remove(key: "base") }?.code == .failedPrecondition)
      try store.remove(key: "v")
      try store.remove(key: "base")
      #expect(try store.list().isEmpty)
    }
  }

  @Test func idsAreNeverReused() throws {
    try withStore { store, _, _ throws in
      let a = try store.prepare(key: "a", parent: nil)
      let b = try store.prepare(key: "b", parent: nil)
      try store.remove(key: "b")
      let c = try store.prepare(key: "c", parent: nil)
      #expect(b.id > a.id)
      #expect(c.id > b.id, "the highest id, removed, is not handed out again")
      try store.remove(key: "c")
      try store.remove(key: "a")
      let d = try store.prepare(key: "a", parent: nil)
      #expect(d.id > c.id, "the same key gets a new id (and so a new directory)")
    }
  }

  @Test func setUsageAndLazyFields() throws {
    try withStore { store, clock, _ throws in
      try store.prepare(key: "k", parent: nil)
      clock.advance()
      let measured = try store.setUsage(key: "k", size: 123, inodes: 4)
      #expect(measured.usage == SnapshotUsage(size: 123, inodes: 4))
      #expect(measured.updated == measured.created)
      let lazy = try store.setLazyFields(
        key: "k", lazyImage: "registry:5000/app:1", lazyLayerDigest: "sha256:abc", outcome: "lazy"
      )
      #expect(lazy.lazyImage == "registry:5000/app:1")
      #expect(lazy.lazyLayerDigest == "sha256:abc")
      #expect(lazy.outcome == "lazy")
      let committed = try store.commit(name: "n", key: "k", usage: SnapshotUsage(size: 123, inodes: 4))
      #expect(committed.lazyImage == "registry:5000/app:1" && committed.outcome == "lazy", "commit keeps them")
      let cleared = try store.setLazyFields(
        key: "n", lazyImage: nil, lazyLayerDigest: nil, outcome: "ordinary: no index")
      #expect(cleared.lazyImage == nil && cleared.lazyLayerDigest == nil && cleared.outcome == "ordinary: no index")
      #expect(snapshotError { try store.setUsage(key: "k", size: 1, inodes: 1) } == .notFound(key: "k"))
      #expect(
        snapshotError { try store.setLazyFields(key: "k", lazyImage: nil, lazyLayerDigest: nil, outcome: nil) }
          == .notFound(key: "k")
      )
    }
  }

  @Test func statOfAMissingKeyIsNotFound() throws {
    try withStore { store, _, _ throws in
      #expect(snapshotError { _ = try store.stat(key: "nope") } == .notFound(key: "nope"))
    }
  }
}
