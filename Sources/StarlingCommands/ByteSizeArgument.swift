import ArgumentParser
import Foundation

/// A byte count on the command line: a number with an optional binary suffix
/// (`512`, `64K`, `100MiB`, `10G`, `1.5GiB`).
struct ByteSizeArgument: ExpressibleByArgument, Sendable {
  let bytes: Int64

  init(bytes: Int64) { self.bytes = bytes }

  init?(argument: String) {
    let text = argument.trimmingCharacters(in: .whitespaces)
    let digits = text.prefix { $0.isNumber || $0 == "." }
    let suffix = text.dropFirst(digits.count).lowercased()
    let scale: Double
    switch suffix {
    case "", "b": scale = 1
    case "k", "kb", "kib": scale = 1024
    case "m", "mb", "mib": scale = 1024 * 1024
    case "g", "gb", "gib": scale = 1024 * 1024 * 1024
    case "t", "tb", "tib": scale = 1024 * 1024 * 1024 * 1024
    default: return nil
    }
    guard let value = Double(digits), value >= 0 else { return nil }
    bytes = Int64(value * scale)
  }

  var defaultValueDescription: String { ByteCount.format(bytes) }
}
