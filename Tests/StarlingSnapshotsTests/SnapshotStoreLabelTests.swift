import Foundation
import StarlingSnapshots
import Testing

@Suite struct SnapshotStoreLabelTests {
  let limit = SnapshotLabels.maximumPairSize

  @Test func labelAtTheLimitIsAccepted() throws {
    try withStore { store, _, _ throws in
      let value = String(repeating: "v", count: limit - 3)
      #expect(try store.prepare(key: "k", parent: nil, labels: ["key": value]).labels["key"] == value)
    }
  }

  @Test func labelOverTheLimitIsInvalidArgumentAndRecordsNothing() throws {
    try withStore { store, _, _ throws in
      let value = String(repeating: "v", count: limit - 2)
      let error = snapshotError { try store.prepare(key: "k", parent: nil, labels: ["ok": "1", "key": value]) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.description.contains("\"key\"") == true)
      #expect(snapshotError { _ = try store.stat(key: "k") } == .notFound(key: "k"))
      #expect(try store.list().isEmpty)
    }
  }

  @Test func labelSizeCountsUTF8Bytes() throws {
    let value = String(repeating: "é", count: limit / 2)  // 2 bytes each: 4096 bytes, plus 1 for the key
    #expect(snapshotError { try SnapshotLabels.validate(key: "k", value: value) }?.code == .invalidArgument)
    try SnapshotLabels.validate(key: "k", value: String(repeating: "é", count: (limit - 1) / 2))
  }

  @Test func emptyValuesAreNotStored() throws {
    try withStore { store, _, _ throws in
      #expect(try store.prepare(key: "k", parent: nil, labels: ["a": "1", "b": ""]).labels == ["a": "1"])
    }
  }

  @Test func updateWithoutPathsReplacesAllLabels() throws {
    try withStore { store, clock, _ throws in
      let before = try store.prepare(key: "k", parent: nil, labels: ["a": "1", "b": "2"])
      clock.advance()
      let after = try store.update(key: "k", labels: ["c": "3"])
      #expect(after.labels == ["c": "3"])
      #expect(after.created == before.created)
      #expect(after.updated == clock.now() && after.updated > before.updated)
      #expect(try store.stat(key: "k") == after)
    }
  }

  @Test func updateSingleLabelPath() throws {
    try withStore { store, _, _ throws in
      try store.prepare(key: "k", parent: nil, labels: ["a": "1", "b": "2", "c": "3"])
      let after = try store.update(
        key: "k", labels: ["a": "10", "b": "ignored", "d": "4"], fieldPaths: ["labels.a", "labels.d"]
      )
      #expect(after.labels == ["a": "10", "b": "2", "c": "3", "d": "4"])
      let removed = try store.update(key: "k", labels: [:], fieldPaths: ["labels.c"])
      #expect(removed.labels == ["a": "10", "b": "2", "d": "4"], "a path with no value removes the label")
      let dotted = try store.update(key: "k", labels: ["x.y/z": "1"], fieldPaths: ["labels.x.y/z"])
      #expect(dotted.labels["x.y/z"] == "1")
    }
  }

  @Test func updateLabelsPathReplacesAll() throws {
    try withStore { store, _, _ throws in
      try store.prepare(key: "k", parent: nil, labels: ["a": "1"])
      #expect(try store.update(key: "k", labels: ["b": "2"], fieldPaths: ["labels"]).labels == ["b": "2"])
    }
  }

  @Test(arguments: ["name", "parent", "kind", "created", "updated", "labels.", "usage"])
  func updateOfAnImmutableFieldIsInvalidArgument(path: String) throws {
    try withStore { store, _, _ throws in
      let before = try store.prepare(key: "k", parent: nil, labels: ["a": "1"])
      let error = snapshotError { try store.update(key: "k", labels: ["a": "2"], fieldPaths: ["labels.a", path]) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.description.contains("\"\(path)\"") == true)
      #expect(try store.stat(key: "k") == before, "the valid path before it is not applied either")
    }
  }

  @Test func updateOfAMissingSnapshotIsNotFound() throws {
    try withStore { store, _, _ throws in
      #expect(snapshotError { try store.update(key: "nope", labels: [:]) } == .notFound(key: "nope"))
    }
  }

  @Test func updateWithAnOversizedLabelChangesNothing() throws {
    try withStore { store, clock, _ throws in
      let before = try store.prepare(key: "k", parent: nil, labels: ["a": "1"])
      clock.advance()
      let big = String(repeating: "x", count: limit)
      #expect(snapshotError { try store.update(key: "k", labels: ["a": "2", "b": big]) }?.code == .invalidArgument)
      #expect(try store.stat(key: "k") == before)
    }
  }

  @Test func updateWorksOnCommittedSnapshots() throws {
    try withStore { store, _, _ throws in
      try commitChain(store, names: ["base"])
      #expect(try store.update(key: "base", labels: ["gc": "x"]).labels == ["gc": "x"])
    }
  }
}
