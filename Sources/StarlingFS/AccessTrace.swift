import Foundation
public import StarlingFormat
import Synchronization

/// Records, in order, the first access of each file of one layer (open or read), as JSON
/// lines — cheap enough to leave on: one bit test per request, one line per file.
///
/// Line format: `{"t_us":1234,"event":"open","layer":"sha256:…","path":"/usr/bin/python3"}`;
/// `t_us` counts microseconds from when the trace started (the mount).
public final class AccessTrace: Sendable {
  /// What touched the file first.
  public enum Event: String, Sendable {
    case open, read
  }

  private let index: ChunkIndex
  private let layer: String
  private let start: ContinuousClock.Instant
  private let sink: TraceSink
  /// One bit per entry: seen already.
  private let seen: Mutex<[UInt64]>

  /// A trace of the layer with `index` (named `layer` in each line) written to `sink`.
  public init(index: ChunkIndex, layer: String, sink: TraceSink, start: ContinuousClock.Instant = .now) {
    self.index = index
    self.layer = layer
    self.sink = sink
    self.start = start
    seen = Mutex([UInt64](repeating: 0, count: (Int(index.entryCount) + 63) / 64))
  }

  /// Notes an access of `entry`; only the first one is written.
  public func record(entry: UInt32, event: Event) {
    let first = seen.withLock { bits -> Bool in
      let word = Int(entry / 64)
      let bit = UInt64(1) << UInt64(entry % 64)
      guard word < bits.count, bits[word] & bit == 0 else { return false }
      bits[word] |= bit
      return true
    }
    guard first else { return }
    let path = "/" + ((try? index.path(of: entry)) ?? "?\(entry)")
    // The time is read under the sink's lock (shared by all layers) so lines are in time order.
    sink.write { [start, layer] in
      let elapsed = start.duration(to: .now).components
      let micros = elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000
      return #"{"t_us":\#(micros),"event":"\#(event.rawValue)","layer":"\#(layer)","path":\#(Self.quoted(path))}"#
    }
  }

  /// A JSON string literal for `text`.
  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

/// Where trace lines go: a file shared by all layers of a mount, one line per write.
public final class TraceSink: Sendable {
  private let handle: Mutex<FileHandle?>

  /// Appends to (creating) `path`.
  public init(path: String) throws {
    if !FileManager.default.fileExists(atPath: path) {
      guard FileManager.default.createFile(atPath: path, contents: nil) else {
        throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
      }
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.seekToEnd()
    self.handle = Mutex(handle)
  }

  /// Writes one line.
  public func write(_ line: String) {
    write { line }
  }

  /// Writes the line `make` builds while holding the sink's lock.
  public func write(_ make: () -> String) {
    handle.withLock { handle in
      guard let handle else { return }
      try? handle.write(contentsOf: Data((make() + "\n").utf8))
    }
  }

  /// Closes the file; later writes are dropped.
  public func close() {
    handle.withLock {
      try? $0?.close()
      $0 = nil
    }
  }
}
