import Foundation
import StarlingSnapshots
import Testing

@Suite struct SnapshotFilterMatchTests {
  let layer = SnapshotInfo(
    id: 7, name: "sha256:chain2", parent: "sha256:chain1", kind: .committed,
    labels: ["containerd.io/snapshot.ref": "sha256:chain2", "a.b": "dotted", "tier": "gold"],
    created: Date(timeIntervalSince1970: 0), updated: Date(timeIntervalSince1970: 0)
  )
  let root = SnapshotInfo(
    id: 1, name: "default/1/extract", parent: nil, kind: .active, labels: [:],
    created: Date(timeIntervalSince1970: 0), updated: Date(timeIntervalSince1970: 0)
  )

  func matches(_ text: String, _ info: SnapshotInfo) throws -> Bool {
    try SnapshotFilter(parsing: text).matches(info)
  }

  @Test func quotedLabelKeyAndQuotedValue() throws {
    let text = #"labels."containerd.io/snapshot.ref"==sha256:chain2,parent=="sha256:chain1""#
    #expect(try matches(text, layer))
    #expect(try !matches(#"labels."containerd.io/snapshot.ref"==sha256:chain2,parent=="sha256:other""#, layer))
    #expect(try !matches(text, root))
  }

  @Test func fields() throws {
    #expect(try matches("kind==committed", layer))
    #expect(try matches("kind==active", root))
    #expect(try !matches("kind==view", root))
    #expect(try matches("name==sha256:chain2", layer))
    #expect(try matches(#"parent=="""#, root), "no parent reads as the empty string")
    #expect(try matches("parent", root), "parent is always present")
    #expect(try !matches("unknown", layer))
    #expect(try matches("labels.a.b==dotted", layer), "the rest of the path is the label key")
  }

  @Test func presence() throws {
    #expect(try matches("labels.tier", layer))
    #expect(try !matches("labels.missing", layer))
    #expect(try !matches("labels.tier", root))
  }

  @Test func notEqualMatchesAbsentFields() throws {
    #expect(try matches("labels.tier!=silver", layer))
    #expect(try !matches("labels.tier!=gold", layer))
    #expect(try matches("labels.tier!=gold", root), "absent is not equal (containerd)")
  }

  @Test func regularExpressionsSearchTheValue() throws {
    #expect(try matches("name~=chain", layer))
    #expect(try matches("name~=/^sha256:chain[0-9]$/", layer))
    #expect(try !matches("name~=^chain", layer))
    #expect(try matches("labels.tier~=^g", layer))
    #expect(try !matches("labels.tier~=/./", root), "an absent field reads as the empty string")
  }

  @Test func selectorsAreAndedFiltersAreOred() throws {
    let both = try SnapshotFilter(parsing: "kind==committed,labels.tier==gold")
    let wrong = try SnapshotFilter(parsing: "kind==committed,labels.tier==silver")
    let active = try SnapshotFilter(parsing: "kind==active")
    #expect(both.matches(layer))
    #expect(!wrong.matches(layer))
    #expect(SnapshotFilter.matchesAny([wrong, active], root))
    #expect(!SnapshotFilter.matchesAny([wrong, active], layer))
    #expect(SnapshotFilter.matchesAny([wrong, both], layer))
    #expect(SnapshotFilter.matchesAny([], layer), "no filters match everything")
    #expect(try SnapshotFilter(parsing: "").matches(layer))
  }
}
