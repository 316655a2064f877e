import StarlingSnapshots
import Testing

@Suite struct SnapshotErrorTests {
  @Test func codes() {
    #expect(SnapshotError.notFound(key: "a").code == .notFound)
    #expect(SnapshotError.alreadyExists(key: "a").code == .alreadyExists)
    #expect(SnapshotError.failedPrecondition(key: "a", reason: "r").code == .failedPrecondition)
    #expect(SnapshotError.invalidArgument(reason: "r").code == .invalidArgument)
  }

  @Test func descriptionsNameTheInput() {
    #expect(SnapshotError.notFound(key: "k1").description == #"snapshot "k1" does not exist"#)
    #expect(SnapshotError.alreadyExists(key: "k2").description == #"snapshot "k2" already exists"#)
    #expect(SnapshotError.failedPrecondition(key: "k3", reason: "busy").description == #"snapshot "k3": busy"#)
  }
}
