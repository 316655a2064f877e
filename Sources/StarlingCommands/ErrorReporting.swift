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
