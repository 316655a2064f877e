/// The "LEN KEY=VALUE\n" records of a PAX extended header.
enum TarPaxRecords {
  /// Calls `body` with each record's key and value, in order; throws `invalidHeader` for a malformed record.
  ///
  /// NUL bytes after the last record are tolerated (some writers pad with them).
  static func parse(
    _ data: [UInt8], offset: Int64,
    _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) throws(TarError) -> Void
  ) throws(TarError) {
    var start = 0
    while start < data.count {
      if data[start...].allSatisfy({ $0 == 0 }) { return }
      func invalid(_ reason: String) -> TarError {
        .invalidHeader(path: nil, offset: offset, reason: "PAX record at byte \(start) \(reason)")
      }
      var index = start
      var length = 0
      while index < data.count, let digit = TarNumeric.decimalDigit(data[index]) {
        length = length * 10 + Int(digit)
        // The length counts the whole record, so it can never exceed what is left.
        guard length <= data.count - start else { throw invalid("claims more bytes than the header holds") }
        index += 1
      }
      guard index > start, index < data.count, data[index] == UInt8(ascii: " ") else {
        throw invalid("does not start with a decimal length and a space")
      }
      let end = start + length
      guard end > index + 1, data[end - 1] == UInt8(ascii: "\n") else {
        throw invalid("has a length that does not end at a newline")
      }
      let record = data[(index + 1)..<(end - 1)]
      guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { throw invalid("has no '='") }
      guard equals > record.startIndex else { throw invalid("has an empty key") }
      try body(record[..<equals], record[(equals + 1)...])
      start = end
    }
  }

  /// One encoded record for `key` and `value`; the length prefix counts its own digits.
  static func encode(_ key: String, _ value: some Collection<UInt8>) -> [UInt8] {
    let payload = key.utf8.count + value.count + 3  // space, "=", newline
    var length = payload + 1
    while String(length).utf8.count + payload > length { length += 1 }
    var record = Array(String(length).utf8)
    record.reserveCapacity(length)
    record.append(UInt8(ascii: " "))
    record += key.utf8
    record.append(UInt8(ascii: "="))
    record += value
    record.append(UInt8(ascii: "\n"))
    return record
  }
}
