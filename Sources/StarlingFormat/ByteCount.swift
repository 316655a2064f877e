public import Foundation

/// Byte counts as people write them: `512`, `64K`, `100MiB`, `10G`, `1.5GiB` (binary units).
public enum ByteCount {
  /// `bytes` in the largest binary unit that keeps the value ≥ 1 (`1.5 GiB`).
  public static func format(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
  }

  /// Parses a number with an optional binary suffix (k, m, g, t, with or without `iB`/`B`);
  /// nil when it is not one.
  public static func parse(_ text: String) -> Int64? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let digits = trimmed.prefix { $0.isNumber || $0 == "." }
    let suffix = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
    let scale: Double
    switch suffix {
    case "", "b": scale = 1
    case "k", "kb", "kib": scale = 1024
    case "m", "mb", "mib": scale = 1024 * 1024
    case "g", "gb", "gib": scale = 1024 * 1024 * 1024
    case "t", "tb", "tib": scale = 1024 * 1024 * 1024 * 1024
    default: return nil
    }
    guard let value = Double(digits), value >= 0, value * scale < Double(Int64.max) else { return nil }
    return Int64(value * scale)
  }
}
