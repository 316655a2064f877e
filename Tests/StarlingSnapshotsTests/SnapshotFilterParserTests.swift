import StarlingSnapshots
import Testing

@Suite struct SnapshotFilterParserTests {
  typealias Selector = SnapshotFilter.Selector

  @Test func emptyFilterHasNoSelectors() throws {
    #expect(try SnapshotFilter(parsing: "").selectors.isEmpty)
  }

  @Test func theFilterContainerdSendsAfterAlreadyExists() throws {
    let filter = try SnapshotFilter(
      parsing: #"labels."containerd.io/snapshot.ref"==sha256:123abc,parent=="sha256:456def""#
    )
    #expect(
      filter.selectors == [
        Selector(fieldPath: ["labels", "containerd.io/snapshot.ref"], op: .equal, value: "sha256:123abc"),
        Selector(fieldPath: ["parent"], op: .equal, value: "sha256:456def"),
      ]
    )
  }

  @Test(arguments: [
    ("name==foo", Selector(fieldPath: ["name"], op: .equal, value: "foo")),
    ("name!=foo", Selector(fieldPath: ["name"], op: .notEqual, value: "foo")),
    ("name~=^fo+$", Selector(fieldPath: ["name"], op: .matches, value: "^fo+$")),
    ("labels.foo", Selector(fieldPath: ["labels", "foo"], op: .present)),
    ("kind==committed", Selector(fieldPath: ["kind"], op: .equal, value: "committed")),
    ("labels.a.b==c", Selector(fieldPath: ["labels", "a", "b"], op: .equal, value: "c")),
    ("name==a.b=c:d/e", Selector(fieldPath: ["name"], op: .equal, value: "a.b=c:d/e")),
    ("name == foo", Selector(fieldPath: ["name"], op: .equal, value: "foo")),
    (
      #"labels."very complex label"==x"#, Selector(fieldPath: ["labels", "very complex label"], op: .equal, value: "x")
    ),
    (#"name=="a,b c""#, Selector(fieldPath: ["name"], op: .equal, value: "a,b c")),
    (
      #"name=="tab\there \"q\" \\ \x41\u00e9\101""#,
      Selector(fieldPath: ["name"], op: .equal, value: "tab\there \"q\" \\ AéA")
    ),
    ("name~=/^a.c$/", Selector(fieldPath: ["name"], op: .matches, value: "^a.c$")),
    (#"name~=|a\|b|"#, Selector(fieldPath: ["name"], op: .matches, value: "a|b")),
    ("name==é", Selector(fieldPath: ["name"], op: .equal, value: "é")),
  ])
  func parsesOneSelector(text: String, expected: Selector) throws {
    let parsed = try SnapshotFilter(parsing: text).selectors
    #expect(parsed == [expected])
  }

  @Test func commasJoinSelectors() throws {
    let filter = try SnapshotFilter(parsing: "kind==active,labels.x,name!=y")
    #expect(filter.selectors.map(\.fieldPath) == [["kind"], ["labels", "x"], ["name"]])
    #expect(filter.selectors.map(\.op) == [.equal, .present, .notEqual])
  }

  @Test(arguments: [
    "name==",  // no value
    "name==foo bar",  // trailing input
    "==foo",  // no field
    "name=foo",  // unsupported operator
    "name===foo",  // unsupported operator
    "name>foo",  // not an operator
    "name==foo,",  // empty selector
    ",name==foo",
    #"labels."unterminated==x"#,
    #"name=="bad \q escape""#,
    #"name=="\x4""#,  // short hex escape
    #"name=="\777""#,  // octal above 255
    #"name=="\xff""#,  // not UTF-8
    "labels..x",
    "name==.foo",
    "name~=a(",  // regexp does not compile
    "  ",
  ])
  func rejectsMalformedFilters(text: String) {
    let error = snapshotError { _ = try SnapshotFilter(parsing: text) }
    #expect(error?.code == .invalidArgument)
    #expect(
      error?.description.contains("\"\(text)\"") == true, "the error names the filter: \(String(describing: error))")
  }

  @Test func errorSaysWhere() {
    let error = snapshotError { _ = try SnapshotFilter(parsing: "name==foo bar") }
    #expect(error?.description.contains("position 10") == true, "\(String(describing: error))")
  }
}
