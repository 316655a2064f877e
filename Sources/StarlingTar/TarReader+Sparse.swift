extension TarReader {
  /// Sets up content reading for a regular file, reading a sparse map first when there is one.
  mutating func prepareContent(_ member: TarMember, entry: inout TarEntry) throws(TarError) {
    let sparse = member.extended.sparse
    var map: TarSparseMap
    if let oldSparse = member.oldSparse {
      map = oldSparse
    } else if sparse.isPresent {
      guard let realSize = sparse.realSize else {
        throw invalid(member, entry, "GNU sparse keys without GNU.sparse.realsize or GNU.sparse.size")
      }
      guard (sparse.major ?? 0) <= 1 else {
        throw .unsupported(path: entry.path, reason: "GNU sparse format \(sparse.major ?? 0).x is unknown")
      }
      map = TarSparseMap(logicalSize: realSize)
      if sparse.mapIsInData {
        guard (sparse.minor ?? 0) == 0 else {
          throw .unsupported(path: entry.path, reason: "GNU sparse format 1.\(sparse.minor ?? 0) is unknown")
        }
        map.segments = try readSparseMapFromData(member, entry)
      } else {
        map.segments = sparse.segments
        if let count = sparse.blockCount, count != map.segments.count {
          throw invalid(member, entry, "GNU.sparse.numblocks does not match the sparse map")
        }
      }
    } else {
      content.logicalSize = entry.size
      content.readable = true
      return
    }
    if let problem = map.problem(storedSize: content.storedRemaining) { throw invalid(member, entry, problem) }
    guard map.logicalSize <= limits.maxEntrySize else {
      throw .limitExceeded(
        path: entry.path, what: "a sparse file of \(map.logicalSize) bytes (limit \(limits.maxEntrySize))")
    }
    entry.size = map.logicalSize
    content.logicalSize = map.logicalSize
    content.segments = map.segments
    content.isSparse = true
    content.readable = true
  }

  private func invalid(_ member: TarMember, _ entry: TarEntry, _ reason: String) -> TarError {
    .invalidHeader(path: entry.path, offset: member.offset, reason: reason)
  }

  /// Format 1.0 keeps the map in whole blocks before the data: decimal numbers, one per line — the run count,
  /// then an offset and a length per run.
  private mutating func readSparseMapFromData(
    _ member: TarMember, _ entry: TarEntry
  ) throws(TarError) -> [TarSparseSegment] {
    var numbers: [Int64] = []
    var needed = Int.max
    var value: Int64 = 0
    var digits = 0
    var mapBytes = 0
    while numbers.count < needed {
      guard content.storedRemaining >= Int64(TarHeaderBlock.blockSize) else {
        throw invalid(member, entry, "the GNU sparse map runs past the member's data")
      }
      mapBytes += TarHeaderBlock.blockSize
      guard mapBytes <= limits.maxPaxHeaderBytes else {
        throw .limitExceeded(path: entry.path, what: "a GNU sparse map over \(limits.maxPaxHeaderBytes) bytes")
      }
      guard let block = try input.readBytes(TarHeaderBlock.blockSize) else {
        throw .truncated(path: entry.path, offset: input.offset)
      }
      content.storedRemaining -= Int64(TarHeaderBlock.blockSize)
      for byte in block where numbers.count < needed {
        if let digit = TarNumeric.decimalDigit(byte) {
          let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
          let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit))
          guard !overflow1, !overflow2 else { throw invalid(member, entry, "a GNU sparse map number overflows") }
          value = sum
          digits += 1
        } else if byte == UInt8(ascii: "\n"), digits > 0 {
          numbers.append(value)
          value = 0
          digits = 0
          if numbers.count == 1 {
            guard value <= Int64(limits.maxSparseSegments), numbers[0] <= Int64(limits.maxSparseSegments) else {
              throw .limitExceeded(path: entry.path, what: "more than \(limits.maxSparseSegments) sparse runs")
            }
            needed = 1 + 2 * Int(numbers[0])
          }
        } else {
          throw invalid(member, entry, "the GNU sparse map is not a list of decimal numbers")
        }
      }
    }
    return stride(from: 1, to: numbers.count, by: 2).map {
      TarSparseSegment(offset: numbers[$0], length: numbers[$0 + 1])
    }
  }
}
