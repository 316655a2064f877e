import Foundation
import StarlingSnapshots
import Testing

@Suite struct SnapshotStoreQueryTests {
  /// What `ctr-remote image rpull` leaves: two committed layers carrying their chain ID as
  /// `containerd.io/snapshot.ref`, a container root, and a view.
  func populate(_ store: SnapshotStore) throws {
    let ref = "containerd.io/snapshot.ref"
    try store.prepare(key: "default/1/extract sha256:c1", parent: nil, labels: [ref: "sha256:c1"])
    try store.commit(name: "sha256:c1", key: "default/1/extract sha256:c1", labels: [ref: "sha256:c1"])
    try store.prepare(key: "default/2/extract sha256:c2", parent: "sha256:c1", labels: [ref: "sha256:c2"])
    try store.commit(name: "sha256:c2", key: "default/2/extract sha256:c2", labels: [ref: "sha256:c2"])
    try store.prepare(key: "container-1", parent: "sha256:c2", labels: ["tier": "gold"])
    try store.view(key: "view-1", parent: "sha256:c1")
  }

  @Test func listWithoutFiltersWalksAllInNameOrder() throws {
    try withStore { store, _, _ throws in
      try populate(store)
      #expect(try store.list().map(\.name) == ["container-1", "sha256:c1", "sha256:c2", "view-1"])
      #expect(try store.list(filters: [""]).count == 4)
    }
  }

  @Test func listWithContainerdsAlreadyExistsFilter() throws {
    try withStore { store, _, _ throws in
      try populate(store)
      let found = try store.list(filters: [#"labels."containerd.io/snapshot.ref"==sha256:c2,parent=="sha256:c1""#])
      #expect(found.map(\.name) == ["sha256:c2"])
      #expect(found.first == (try store.stat(key: "sha256:c2")))
      let wrongParent = try store.list(filters: [#"labels."containerd.io/snapshot.ref"==sha256:c2,parent=="sha256:c9""#]
      )
      #expect(wrongParent.isEmpty)
    }
  }

  @Test func listFiltersAreOred() throws {
    try withStore { store, _, _ throws in
      try populate(store)
      #expect(try store.list(filters: ["kind==view", "labels.tier==gold"]).map(\.name) == ["container-1", "view-1"])
      #expect(try store.list(filters: ["kind==committed"]).map(\.name) == ["sha256:c1", "sha256:c2"])
      #expect(try store.list(filters: ["kind==active"]).map(\.name) == ["container-1"])
      #expect(try store.list(filters: ["name~=^sha256:"]).count == 2)
      #expect(try store.list(filters: ["parent==sha256:c1", "name==none"]).map(\.name) == ["sha256:c2", "view-1"])
    }
  }

  @Test func listWithABadFilterIsInvalidArgumentNamingIt() throws {
    try withStore { store, _, _ throws in
      try populate(store)
      let error = snapshotError { _ = try store.list(filters: ["kind==view", "kind=view"]) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.description.contains("\"kind=view\"") == true)
    }
  }

  @Test func children() throws {
    try withStore { store, _, _ throws in
      try populate(store)
      #expect(try store.children(of: "sha256:c1").map(\.name) == ["sha256:c2", "view-1"])
      #expect(try store.children(of: "sha256:c2").map(\.name) == ["container-1"])
      #expect(try store.children(of: "container-1").isEmpty)
      #expect(snapshotError { _ = try store.children(of: "nope") } == .notFound(key: "nope"))
    }
  }

  @Test func ancestorsAreNearestFirst() throws {
    try withStore { store, _, _ throws in
      let chain = try commitChain(store, names: ["l0", "l1", "l2", "l3"])
      let top = try store.prepare(key: "container", parent: "l3")
      #expect(try store.ancestors(of: "container") == [chain[3].id, chain[2].id, chain[1].id, chain[0].id])
      #expect(try store.ancestors(of: "l1") == [chain[0].id])
      #expect(try store.ancestors(of: "l0") == [])
      #expect(!(try store.ancestors(of: "container")).contains(top.id))
      #expect(snapshotError { _ = try store.ancestors(of: "nope") } == .notFound(key: "nope"))
    }
  }

  @Test func unreferencedDirectories() throws {
    try withStore { store, _, _ throws in
      let a = try store.prepare(key: "a", parent: nil)
      let b = try store.prepare(key: "b", parent: nil)
      try store.remove(key: "b")
      let onDisk: [Int64] = [a.id, b.id, 999, 998, 999]
      #expect(try store.unreferencedDirectories(existing: onDisk) == [b.id, 998, 999])
      #expect(try store.unreferencedDirectories(existing: [a.id]) == [])
    }
  }
}
