// libFuzzer entry point for TarReader, built by Tools/fuzz.sh together with Sources/StarlingTar/*.swift (one
// module, so no import). Thrown errors are fine; crashes, hangs and leaks are bugs. It also checks a property:
// every entry the reader returns is accepted by TarWriter and reads back unchanged.

/// Reads the input as is, then with every block's checksum fixed: almost any mutation of a header breaks its
/// checksum, so without the second pass the fuzzer would rarely get past `badChecksum`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  var bytes = Array(UnsafeBufferPointer(start: data, count: size))
  readEverything(bytes)
  var offset = 0
  while offset + 512 <= bytes.count {
    if bytes[offset..<(offset + 512)].contains(where: { $0 != 0 }) {
      for index in (offset + 148)..<(offset + 156) { bytes[index] = 0x20 }
      var sum = bytes[offset..<(offset + 512)].reduce(0) { $0 + Int($1) }
      for index in stride(from: offset + 153, through: offset + 148, by: -1) {
        bytes[index] = UInt8(0x30 + sum & 7)
        sum >>= 3
      }
      bytes[offset + 154] = 0
    }
    offset += 512
  }
  readEverything(bytes)
  return 0
}

private func readEverything(_ bytes: [UInt8]) {
  var limits = TarLimits()
  // Sparse holes expand to zeros; a 16 TiB hole is legal but would make one input run for hours.
  limits.maxEntrySize = 1 << 22
  var reader = TarReader(source: TarBufferSource(bytes), limits: limits)
  var buffer = [UInt8](repeating: 0, count: 4096)
  var lastError: TarError?
  for _ in 0..<100_000 {
    let entry: TarEntry?
    do {
      entry = try reader.next()
    } catch {
      // Errors about one member let the reader continue; a repeated error is final.
      if error == lastError { break }
      lastError = error
      continue
    }
    guard let entry else { break }
    checkRoundTrip(entry)
    var total: Int64 = 0
    var failed = false
    while true {
      let count: Int
      do {
        count = try buffer.withUnsafeMutableBytes { raw in try reader.readContent(into: raw) }
      } catch {
        failed = true
        break
      }
      if count == 0 { break }
      total += Int64(count)
    }
    // A regular file yields exactly `size` bytes unless the input ends first; other kinds yield none.
    precondition(failed || total == entry.size, "read \(total) content bytes for a \(entry.size)-byte entry")
  }
  _ = try? reader.drain()
}

private func checkRoundTrip(_ entry: TarEntry) {
  let header: [UInt8]
  do {
    header = try TarWriter().header(for: entry)
  } catch {
    preconditionFailure("TarWriter rejects an entry TarReader returned: \(error) \(entry)")
  }
  var limits = TarLimits()
  // A long GNU name plus large xattrs may exceed one PAX header's default limit once re-encoded together.
  limits.maxPaxHeaderBytes = 1 << 24
  var reader = TarReader(source: TarBufferSource(header), limits: limits)
  do {
    let back = try reader.next()
    precondition(back == entry, "round trip changed the entry: \(entry) became \(String(describing: back))")
    precondition(back.map { Array($0.path.utf8) } == Array(entry.path.utf8), "round trip changed the path bytes")
  } catch {
    preconditionFailure("TarReader rejects TarWriter's header: \(error) for \(entry)")
  }
}
