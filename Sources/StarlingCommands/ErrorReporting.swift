import ArgumentParser
import Foundation

/// Runs a command body; any error is printed as one `error:` line and exits with status 1.
///
/// Errors from Starling's targets describe themselves (input, operation, cause), so the CLI
/// prints their description rather than a type dump.
func reportingErrors(_ body: () async throws -> Void) async throws {
  do {
    try await body()
  } catch let error as any (Error & CustomStringConvertible) {
    FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
    throw ExitCode.failure
  } catch {
    FileHandle.standardError.write(Data("error: \(error.localizedDescription)\n".utf8))
    throw ExitCode.failure
  }
}

/// Human-readable byte counts (binary units).
enum ByteCount {
  static func format(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
  }
}
