import StarlingSnapshots
import Testing

@Test func kindsUseContainerdsNumbers() {
  #expect(SnapshotKind.view.rawValue == 1 && SnapshotKind.active.rawValue == 2 && SnapshotKind.committed.rawValue == 3)
}
