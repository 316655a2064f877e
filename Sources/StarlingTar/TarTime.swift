/// Seconds + nanoseconds since the epoch (PAX times carry fractions; negative allowed).
///
/// The value is `seconds + nanoseconds / 1e9`, so -1.5 s is `seconds: -2, nanoseconds: 500_000_000`.
public struct TarTime: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// Whole seconds, rounded toward negative infinity.
  public var seconds: Int64
  /// The fraction of a second, in 0..<1_000_000_000 (TarWriter rejects anything larger).
  public var nanoseconds: UInt32

  /// A time of `seconds` plus `nanoseconds` (which should be below one billion).
  public init(seconds: Int64, nanoseconds: UInt32 = 0) {
    self.seconds = seconds
    self.nanoseconds = nanoseconds
  }

  public static func < (lhs: TarTime, rhs: TarTime) -> Bool {
    (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
  }

  /// The exact decimal form used in PAX records, e.g. "1704067200", "-0.5" or "1704067200.123456789".
  public var description: String {
    guard nanoseconds != 0 else { return String(seconds) }
    // Not a valid time (TarWriter rejects it), but describing it must not trap.
    guard nanoseconds < 1_000_000_000 else { return "\(seconds)s+\(nanoseconds)ns" }
    if seconds >= 0 { return "\(seconds).\(Self.fraction(nanoseconds))" }
    // -2 s + 0.5 s is written "-1.5": the magnitude's whole part is -seconds - 1, computed without overflow.
    return "-\(UInt64(bitPattern: ~seconds)).\(Self.fraction(1_000_000_000 - nanoseconds))"
  }

  /// Nine zero-padded digits with trailing zeros dropped.
  private static func fraction(_ value: UInt32) -> Substring {
    let digits = String(value)
    let padded = String(repeating: "0", count: 9 - digits.count) + digits
    return padded[..<(padded.lastIndex { $0 != "0" }.map { padded.index(after: $0) } ?? padded.endIndex)]
  }

  /// Parses a PAX decimal time such as "1704067200.5" or "-86400"; nil when malformed or out of range.
  ///
  /// Digits beyond nanosecond precision are truncated (toward zero), as GNU tar does.
  init?(paxValue bytes: ArraySlice<UInt8>) {
    var index = bytes.startIndex
    let negative = index < bytes.endIndex && bytes[index] == UInt8(ascii: "-")
    if negative { index += 1 }
    var whole: UInt64 = 0
    var digits = 0
    while index < bytes.endIndex, let digit = TarNumeric.decimalDigit(bytes[index]) {
      let (times10, overflow1) = whole.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
      guard !overflow1, !overflow2 else { return nil }
      whole = sum
      digits += 1
      index += 1
    }
    var fraction: UInt32 = 0
    if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
      index += 1
      var scale: UInt32 = 100_000_000
      while index < bytes.endIndex, let digit = TarNumeric.decimalDigit(bytes[index]) {
        fraction += UInt32(digit) * scale
        scale /= 10
        digits += 1
        index += 1
      }
    }
    guard digits > 0, index == bytes.endIndex else { return nil }
    if !negative {
      guard whole <= UInt64(Int64.max) else { return nil }
      self.init(seconds: Int64(whole), nanoseconds: fraction)
    } else if fraction == 0 {
      guard whole <= UInt64(Int64.max) + 1 else { return nil }
      self.init(seconds: whole == UInt64(Int64.max) + 1 ? .min : -Int64(whole), nanoseconds: 0)
    } else {
      guard whole <= UInt64(Int64.max) else { return nil }
      self.init(seconds: -Int64(whole) - 1, nanoseconds: 1_000_000_000 - fraction)
    }
  }
}
