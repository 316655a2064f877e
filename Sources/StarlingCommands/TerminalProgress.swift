import Foundation
import StarlingFormat
import StarlingOCI
import Synchronization

/// Draws one line per blob in flight (bytes, rate, ETA) on a terminal's stderr.
///
/// When stderr is not a terminal it stays quiet: CI logs get the final summary only.
final class TerminalProgress: CopyObserver, Sendable {
  private struct Blob {
    var descriptor: Descriptor
    var phase = TransferPhase.download
    var bytes: Int64 = 0
    var started = ContinuousClock.now
  }

  private struct State {
    var active: [Digest: Blob] = [:]
    var order: [Digest] = []
    var drawnLines = 0
    var stopped = false
    var ticker: Task<Void, Never>?
  }

  private let state = Mutex(State())
  private let enabled: Bool

  init(forceEnabled: Bool? = nil) {
    self.enabled = forceEnabled ?? (isatty(STDERR_FILENO) == 1)
  }

  func blobStarted(_ descriptor: Descriptor, role: String) {
    guard enabled else { return }
    state.withLock {
      $0.active[descriptor.digest] = Blob(descriptor: descriptor)
      $0.order.append(descriptor.digest)
      if $0.ticker == nil {
        $0.ticker = Task.detached { [weak self] in
          while !Task.isCancelled, let self {
            self.draw()
            try? await Task.sleep(for: .milliseconds(200))
          }
        }
      }
    }
  }

  func blobProgress(_ descriptor: Descriptor, phase: TransferPhase, bytes: Int64) {
    guard enabled else { return }
    state.withLock {
      guard var blob = $0.active[descriptor.digest] else { return }
      if blob.phase != phase {
        blob.phase = phase
        blob.started = .now
      }
      blob.bytes = bytes
      $0.active[descriptor.digest] = blob
    }
  }

  func blobFinished(_ descriptor: Descriptor, outcome: BlobOutcome) {
    guard enabled else { return }
    state.withLock {
      $0.active[descriptor.digest] = nil
      $0.order.removeAll { $0 == descriptor.digest }
    }
    let line = "\(descriptor.digest.short)  \(ByteCount.format(descriptor.size))  \(outcome.rawValue)"
    draw(finishedLine: line)
  }

  /// Stops redrawing and clears the progress lines.
  func stop() {
    guard enabled else { return }
    state.withLock { s in
      s.ticker?.cancel()
      guard !s.stopped else { return }
      s.stopped = true
      FileHandle.standardError.write(Data(TerminalProgress.clear(lines: s.drawnLines).utf8))
      s.drawnLines = 0
    }
  }

  private func draw(finishedLine: String? = nil) {
    state.withLock { s in
      guard !s.stopped else { return }
      var out = TerminalProgress.clear(lines: s.drawnLines)
      if let finishedLine { out += finishedLine + "\n" }
      let lines = s.order.compactMap { s.active[$0] }.map(TerminalProgress.render)
      out += lines.map { $0 + "\n" }.joined()
      s.drawnLines = lines.count
      FileHandle.standardError.write(Data(out.utf8))
    }
  }

  private static func clear(lines: Int) -> String {
    String(repeating: "\u{1B}[1A\u{1B}[2K", count: lines)
  }

  private static func render(_ blob: Blob) -> String {
    let elapsed = max((ContinuousClock.now - blob.started).seconds, 0.001)
    let rate = Double(blob.bytes) / elapsed
    let remaining = Double(blob.descriptor.size - blob.bytes)
    let eta = rate > 0 ? String(format: "%.0fs", remaining / rate) : "--"
    let percent = blob.descriptor.size > 0 ? Int(Double(blob.bytes) * 100 / Double(blob.descriptor.size)) : 100
    return "\(blob.descriptor.digest.short)  \(blob.phase.rawValue) \(percent)%  "
      + "\(ByteCount.format(blob.bytes))/\(ByteCount.format(blob.descriptor.size))  "
      + "\(ByteCount.format(Int64(rate)))/s  eta \(eta)"
  }
}
