import Foundation
import StarlingCompression
import StarlingFormat

/// Compresses frames on worker threads and hands them back in submission order.
///
/// The producer (tar parsing and decompression of the source, which is sequential) keeps
/// submitting while workers compress; `submit` blocks when `maxInFlight` frames are pending,
/// which bounds memory to about `maxInFlight` × chunk size.
final class FramePipeline: @unchecked Sendable {
  /// A frame as it leaves the pipeline.
  struct Compressed {
    var compressed: [UInt8]
    var uncompressedSize: Int
    var digest: Digest
    var isChunk: Bool
  }

  private struct Job {
    var sequence: Int
    var bytes: [UInt8]
    var isChunk: Bool
  }

  private let condition = NSCondition()
  private var queue: [Job] = []
  private var done: [Int: Result<Compressed, any Error>] = [:]
  private var nextSequence = 0
  private var nextToDeliver = 0
  private var closed = false
  private let maxInFlight: Int
  private var workers: [Thread] = []
  private var running = 0

  /// Starts `workerCount` threads compressing at `level`.
  init(workerCount: Int, level: Int32, maxInFlight: Int? = nil) throws {
    self.maxInFlight = maxInFlight ?? workerCount * 3
    for _ in 0..<max(1, workerCount) {
      // Each compressor is used by its own thread only.
      nonisolated(unsafe) let compressor = try ZstdCompressor(level: level)
      let thread = Thread { [unowned self] in self.work(compressor) }
      thread.stackSize = 1 << 20
      workers.append(thread)
    }
    running = self.workers.count
    for thread in self.workers { thread.start() }
  }

  /// Queues a frame; returns frames that are ready, in order. Blocks while too many are pending.
  func submit(_ bytes: [UInt8], isChunk: Bool) throws -> [Compressed] {
    condition.lock()
    defer { condition.unlock() }
    while nextSequence - nextToDeliver >= maxInFlight && done[nextToDeliver] == nil { condition.wait() }
    queue.append(Job(sequence: nextSequence, bytes: bytes, isChunk: isChunk))
    nextSequence += 1
    condition.broadcast()
    return try drainLocked(wait: false)
  }

  /// Waits for every queued frame and returns the rest, in order; stops the workers.
  func finish() throws -> [Compressed] {
    condition.lock()
    defer { condition.unlock() }
    let rest = try drainLocked(wait: true)
    closed = true
    condition.broadcast()
    while running > 0 { condition.wait() }
    return rest
  }

  /// Stops the workers without waiting for results (after a failure).
  func cancel() {
    condition.lock()
    closed = true
    queue.removeAll()
    condition.broadcast()
    while running > 0 { condition.wait() }
    condition.unlock()
  }

  private func drainLocked(wait: Bool) throws -> [Compressed] {
    var out: [Compressed] = []
    while nextToDeliver < nextSequence {
      guard let result = done.removeValue(forKey: nextToDeliver) else {
        if wait {
          condition.wait()
          continue
        }
        break
      }
      nextToDeliver += 1
      condition.broadcast()
      out.append(try result.get())
    }
    return out
  }

  private func work(_ compressor: ZstdCompressor) {
    condition.lock()
    while true {
      while queue.isEmpty && !closed { condition.wait() }
      if queue.isEmpty && closed { break }
      let job = queue.removeFirst()
      condition.unlock()
      let result = Result { () throws -> Compressed in
        let frame = try compressor.compressFrame(job.bytes)
        return Compressed(
          compressed: frame, uncompressedSize: job.bytes.count, digest: .sha256(of: job.bytes), isChunk: job.isChunk)
      }
      condition.lock()
      done[job.sequence] = result
      condition.broadcast()
    }
    running -= 1
    condition.broadcast()
    condition.unlock()
  }
}
