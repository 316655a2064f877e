/// Recursive descent over ``FilterScanner``'s tokens (containerd's `filters/parser.go`).
struct FilterParser {
  private var scanner: FilterScanner

  init(_ source: String) {
    scanner = FilterScanner(source)
  }

  /// `selector ("," selector)*` up to the end of the text.
  mutating func parse() throws(FilterSyntaxError) -> [SnapshotFilter.Selector] {
    var selectors = [try selector()]
    while true {
      let (position, token) = try scanner.next(valueMode: false)
      switch token {
      case .end:
        return selectors
      case .comma:
        selectors.append(try selector())
      default:
        throw FilterSyntaxError(position: position, message: "unexpected \(token), expected \",\" or the end")
      }
    }
  }

  /// `fieldpath [operator value]`.
  private mutating func selector() throws(FilterSyntaxError) -> SnapshotFilter.Selector {
    let path = try fieldPath()
    let (position, token) = try scanner.peek(valueMode: false)
    let op: SnapshotFilter.Operator
    switch token {
    case .comma, .end:
      return SnapshotFilter.Selector(fieldPath: path, op: .present)
    case .op(let text):
      _ = try scanner.next(valueMode: false)
      guard let parsed = SnapshotFilter.Operator(rawValue: text), parsed != .present else {
        throw FilterSyntaxError(position: position, message: "unsupported operator \"\(text)\"")
      }
      op = parsed
    default:
      throw FilterSyntaxError(
        position: position,
        message: "unexpected \(token), expected an operator (\"==\", \"!=\", \"~=\"), \",\" or the end"
      )
    }
    let (valuePosition, valueToken) = try scanner.next(valueMode: true)
    switch valueToken {
    case .value(let value), .quoted(let value):
      return SnapshotFilter.Selector(fieldPath: path, op: op, value: value)
    default:
      throw FilterSyntaxError(
        position: valuePosition,
        message: "unexpected \(valueToken), expected a value or a quoted string after \"\(op.rawValue)\""
      )
    }
  }

  /// `field ("." field)*`.
  private mutating func fieldPath() throws(FilterSyntaxError) -> [String] {
    var path = [try field()]
    while case .dot = try scanner.peek(valueMode: false).token {
      _ = try scanner.next(valueMode: false)
      path.append(try field())
    }
    return path
  }

  private mutating func field() throws(FilterSyntaxError) -> String {
    let (position, token) = try scanner.next(valueMode: false)
    switch token {
    case .field(let name), .quoted(let name):
      return name
    default:
      throw FilterSyntaxError(
        position: position, message: "unexpected \(token), expected a field name or a quoted string")
    }
  }
}
