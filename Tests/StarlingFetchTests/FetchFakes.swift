import Foundation
import StarlingCache
import StarlingFetch
import StarlingOCI

/// Why a fake source refused a request.
struct SourceDown: Error {}

/// Serves ranges of an in-memory blob after `delay`, recording each request and the most
/// requests it had in flight at once. It can flip a byte of every answer (a liar), fail its
/// first `failures` requests (a registry that is down, then back), hold every request
/// until `open()` (`gated`), or take an hour (`delay`).
actor MemorySource: ChunkSource {
  nonisolated let name: String
  let blob: Data
  let corrupt: Bool
  let delay: Duration
  private var failures: Int
  private(set) var requests: [Range<Int64>] = []
  private(set) var maxInFlight = 0
  private var inFlight = 0
  /// Requests held until `open()`; nil once open.
  private var gate: [CheckedContinuation<Void, Never>]?

  init(
    name: String, blob: Data, corrupt: Bool = false, delay: Duration = .milliseconds(5), failures: Int = 0,
    gated: Bool = false
  ) {
    self.name = name
    self.blob = blob
    self.corrupt = corrupt
    self.delay = delay
    self.failures = failures
    self.gate = gated ? [] : nil
  }

  func read(layer: Descriptor, range: Range<Int64>) async throws -> Data {
    requests.append(range)
    inFlight += 1
    maxInFlight = max(maxInFlight, inFlight)
    defer { inFlight -= 1 }
    if gate != nil { await withCheckedContinuation { gate?.append($0) } }
    try await Task.sleep(for: delay)  // let concurrent readers pile up
    if failures > 0 {
      failures -= 1
      throw SourceDown()
    }
    var data = blob.subdata(in: Int(range.lowerBound)..<Int(range.upperBound))
    if corrupt { data[data.startIndex + data.count / 2] ^= 0x40 }
    return data
  }

  /// Lets held and later requests through.
  func open() {
    for waiter in gate ?? [] { waiter.resume() }
    gate = nil
  }

  /// Makes every later request fail (`down`) or succeed.
  func setDown(_ down: Bool) { failures = down ? .max : 0 }
}

/// A ChunkStore in memory that counts its calls.
actor MemoryStore: ChunkStore {
  private(set) var entries: [ChunkKey: [UInt8]] = [:]
  private(set) var gets = 0
  private(set) var puts = 0

  func get(_ key: ChunkKey) async throws -> [UInt8]? {
    gets += 1
    return entries[key]
  }

  func put(_ key: ChunkKey, _ frame: [UInt8]) async throws {
    puts += 1
    entries[key] = frame
  }

  func remove(_ key: ChunkKey) async throws { entries[key] = nil }

  func usage() async -> (entries: Int, bytes: Int64) {
    (entries.count, Int64(entries.values.reduce(0) { $0 + $1.count }))
  }

  var keys: Set<ChunkKey> { Set(entries.keys) }

  func damageAll() {
    for key in entries.keys { entries[key]?[0] ^= 0xFF }
  }
}
