/// A token of containerd's filter syntax; quoted text is already unquoted.
enum FilterToken: Equatable, CustomStringConvertible {
  case field(String)
  case quoted(String)
  case value(String)
  case dot
  case comma
  case op(String)
  case end

  var description: String {
    switch self {
    case .field(let text): "field \"\(text)\""
    case .quoted(let text): "quoted \"\(text)\""
    case .value(let text): "value \"\(text)\""
    case .dot: "\".\""
    case .comma: "\",\""
    case .op(let text): "operator \"\(text)\""
    case .end: "the end"
    }
  }
}

/// Splits a filter into tokens (containerd's `filters/scanner.go`, with the unquoting of
/// `filters/quote.go`). Positions count Unicode scalars from 0.
struct FilterScanner {
  private let scalars: [Unicode.Scalar]
  private var offset = 0

  init(_ text: String) {
    scalars = Array(text.unicodeScalars)
  }

  /// The next token and where it starts. In value mode (right after an operator) a run of
  /// printable characters is a value, so it may hold ":", "=", "." and "/" after its first character.
  mutating func next(valueMode: Bool) throws(FilterSyntaxError) -> (position: Int, token: FilterToken) {
    while offset < scalars.count, scalars[offset].properties.isWhitespace {
      offset += 1
    }
    let start = offset
    guard offset < scalars.count else { return (start, .end) }
    let scalar = scalars[offset]
    switch scalar {
    case "\"", "/", "|":
      return (start, .quoted(try scanQuoted()))
    case ",":
      offset += 1
      return (start, .comma)
    case ".":
      offset += 1
      return (start, .dot)
    case "=", "!", "~":
      return (start, .op(scan(while: Self.isOperator)))
    default:
      if valueMode, Self.isValue(scalar) {
        return (start, .value(scan(while: Self.isValue)))
      }
      if !valueMode, Self.isField(scalar) {
        return (start, .field(scan(while: Self.isField)))
      }
      throw FilterSyntaxError(position: start, message: "unexpected character U+\(Self.hex(scalar))")
    }
  }

  /// The next token without consuming it.
  func peek(valueMode: Bool) throws(FilterSyntaxError) -> (position: Int, token: FilterToken) {
    var copy = self
    return try copy.next(valueMode: valueMode)
  }

  private mutating func scan(while accept: (Unicode.Scalar) -> Bool) -> String {
    var text = String.UnicodeScalarView()
    while offset < scalars.count, accept(scalars[offset]) {
      text.append(scalars[offset])
      offset += 1
    }
    return String(text)
  }

  /// Reads a quoted literal from its opening quote to its closing one, decoding Go escapes.
  private mutating func scanQuoted() throws(FilterSyntaxError) -> String {
    let start = offset
    let quote = scalars[offset]
    offset += 1
    var bytes: [UInt8] = []
    while true {
      guard offset < scalars.count, scalars[offset] != "\n" else {
        throw FilterSyntaxError(position: start, message: "quoted literal not terminated")
      }
      let scalar = scalars[offset]
      offset += 1
      if scalar == quote { break }
      if scalar == "\\" {
        try scanEscape(quote: quote, into: &bytes)
      } else {
        bytes.append(contentsOf: String(scalar).utf8)
      }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw FilterSyntaxError(position: start, message: "quoted literal is not valid UTF-8")
    }
    return text
  }

  /// Decodes the escape after a backslash: \a \b \f \n \r \t \v \\, the quote itself,
  /// \xHH and \ooo (one byte), \uHHHH and \UHHHHHHHH (one scalar).
  private mutating func scanEscape(quote: Unicode.Scalar, into bytes: inout [UInt8]) throws(FilterSyntaxError) {
    let position = offset - 1
    guard offset < scalars.count else {
      throw FilterSyntaxError(position: position, message: "quoted literal not terminated")
    }
    let letter = scalars[offset]
    offset += 1
    let simple: [Unicode.Scalar: UInt8] = [
      "a": 0x07, "b": 0x08, "f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B, "\\": 0x5C,
    ]
    if let byte = simple[letter] {
      bytes.append(byte)
      return
    }
    switch letter {
    case "\"", "/", "|", "'":
      guard letter == quote else { break }
      bytes.append(UInt8(letter.value))
      return
    case "x":
      bytes.append(UInt8(try digits(2, radix: 16, at: position)))
      return
    case "u", "U":
      let value = try digits(letter == "u" ? 4 : 8, radix: 16, at: position)
      guard let decoded = Unicode.Scalar(value) else { break }
      bytes.append(contentsOf: String(decoded).utf8)
      return
    case "0"..."7":
      offset -= 1
      let value = try digits(3, radix: 8, at: position)
      guard value <= 255 else { break }
      bytes.append(UInt8(value))
      return
    default:
      break
    }
    throw FilterSyntaxError(position: position, message: "illegal escape sequence \\\(letter)")
  }

  private mutating func digits(_ count: Int, radix: UInt32, at position: Int) throws(FilterSyntaxError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<count {
      guard offset < scalars.count, let digit = Self.digit(scalars[offset]), digit < radix else {
        throw FilterSyntaxError(position: position, message: "illegal numeric escape sequence")
      }
      value = value &* radix &+ digit
      offset += 1
    }
    return value
  }

  private static func digit(_ scalar: Unicode.Scalar) -> UInt32? {
    switch scalar {
    case "0"..."9": scalar.value - 0x30
    case "a"..."f": scalar.value - 0x61 + 10
    case "A"..."F": scalar.value - 0x41 + 10
    default: nil
    }
  }

  private static func isOperator(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "=" || scalar == "!" || scalar == "~"
  }

  private static func isField(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
    default: false
    }
  }

  /// Go's value runes: graphic (letters, marks, numbers, punctuation, symbols), not "," nor a space.
  private static func isValue(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == "," || scalar.properties.isWhitespace { return false }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
      .nonspacingMark, .spacingMark, .enclosingMark,
      .decimalNumber, .letterNumber, .otherNumber,
      .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation,
      .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
      return true
    default:
      return false
    }
  }

  private static func hex(_ scalar: Unicode.Scalar) -> String {
    let digits = String(scalar.value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}
