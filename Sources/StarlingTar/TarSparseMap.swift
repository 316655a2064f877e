/// One run of stored data in a sparse file; everything between runs reads as zeros.
struct TarSparseSegment: Equatable {
  var offset: Int64
  var length: Int64
}

/// The data runs of a sparse member and its expanded size, from any of the GNU sparse formats.
struct TarSparseMap {
  var segments: [TarSparseSegment] = []
  var logicalSize: Int64 = 0

  /// Why the map cannot describe `storedSize` bytes of data, or nil when it is consistent.
  ///
  /// Runs must be in order, must not overlap, must lie within the file, and must add up to the stored data.
  func problem(storedSize: Int64) -> String? {
    guard logicalSize >= 0 else { return "the sparse file's size is negative" }
    var end: Int64 = 0
    var total: Int64 = 0
    for segment in segments {
      guard segment.offset >= 0, segment.length >= 0 else { return "the sparse map has a negative number" }
      guard segment.offset >= end else { return "the sparse map's runs overlap or are out of order" }
      let (segmentEnd, overflow) = segment.offset.addingReportingOverflow(segment.length)
      guard !overflow, segmentEnd <= logicalSize else { return "a sparse run ends beyond the file's size" }
      end = segmentEnd
      total += segment.length
    }
    guard total == storedSize else {
      return "the sparse map covers \(total) bytes but the member stores \(storedSize)"
    }
    return nil
  }

  /// Adds the runs of one old-GNU sparse area (header or extension block): 24-byte offset/length pairs.
  ///
  /// An entry whose offset field starts with NUL ends the list, as in GNU and BSD tar.
  mutating func appendOldGNU(_ area: ArraySlice<UInt8>, limits: TarLimits, offset: Int64) throws(TarError) {
    var index = area.startIndex
    while area.endIndex - index >= 24, area[index] != 0 {
      guard let start = TarNumeric.parseField(area[index..<(index + 12)]),
        let length = TarNumeric.parseField(area[(index + 12)..<(index + 24)])
      else { throw .invalidHeader(path: nil, offset: offset, reason: "a GNU sparse entry is not a number") }
      guard segments.count < limits.maxSparseSegments else {
        throw .limitExceeded(path: nil, what: "more than \(limits.maxSparseSegments) sparse runs")
      }
      segments.append(TarSparseSegment(offset: start, length: length))
      index += 24
    }
  }
}

/// GNU.sparse.* PAX keys: format 0.0 (repeated offset/numbytes), 0.1 (map) and 1.0 (map in the data).
struct TarPaxSparse {
  var major: Int64?
  var minor: Int64?
  var name: [UInt8]?
  var realSize: Int64?
  var blockCount: Int64?
  var segments: [TarSparseSegment] = []
  private var pendingOffset: Int64?

  /// Whether any key marked the member as sparse.
  var isPresent: Bool { major != nil || realSize != nil || blockCount != nil || !segments.isEmpty }

  /// Format 1.0 keeps its map at the start of the member's data.
  var mapIsInData: Bool { major == 1 }

  mutating func apply(
    key: String, value: ArraySlice<UInt8>, limits: TarLimits, offset: Int64
  ) throws(TarError) {
    func number() throws(TarError) -> Int64 {
      guard let number = TarNumeric.parseDecimal(value) else {
        throw .invalidHeader(path: nil, offset: offset, reason: "PAX value of \"\(key)\" is malformed")
      }
      return number
    }
    func add(_ segment: TarSparseSegment) throws(TarError) {
      guard segments.count < limits.maxSparseSegments else {
        throw .limitExceeded(path: nil, what: "more than \(limits.maxSparseSegments) sparse runs")
      }
      segments.append(segment)
    }
    switch key {
    case "GNU.sparse.major": major = try number()
    case "GNU.sparse.minor": minor = try number()
    case "GNU.sparse.name": name = Array(value)
    case "GNU.sparse.realsize", "GNU.sparse.size": realSize = try number()
    case "GNU.sparse.numblocks": blockCount = try number()
    case "GNU.sparse.offset":
      // Format 0.0 repeats this key; each offset must be followed by its numbytes.
      guard pendingOffset == nil else {
        throw .invalidHeader(path: nil, offset: offset, reason: "GNU.sparse.offset without GNU.sparse.numbytes")
      }
      pendingOffset = try number()
    case "GNU.sparse.numbytes":
      guard let start = pendingOffset else {
        throw .invalidHeader(path: nil, offset: offset, reason: "GNU.sparse.numbytes without GNU.sparse.offset")
      }
      try add(TarSparseSegment(offset: start, length: try number()))
      pendingOffset = nil
    case "GNU.sparse.map":
      let numbers = value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
      guard numbers.count % 2 == 0 || value.isEmpty else {
        throw .invalidHeader(path: nil, offset: offset, reason: "GNU.sparse.map has an odd count of numbers")
      }
      segments.removeAll()
      for pair in stride(from: 0, to: value.isEmpty ? 0 : numbers.count, by: 2) {
        guard let start = TarNumeric.parseDecimal(numbers[pair]),
          let length = TarNumeric.parseDecimal(numbers[pair + 1])
        else { throw .invalidHeader(path: nil, offset: offset, reason: "GNU.sparse.map is malformed") }
        try add(TarSparseSegment(offset: start, length: length))
      }
    default:
      break
    }
  }
}
