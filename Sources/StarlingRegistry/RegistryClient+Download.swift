import AsyncHTTPClient
public import Foundation
import Logging
import NIOCore
import NIOHTTP1
import StarlingFormat
public import StarlingOCI

extension RegistryClient {
  /// Streams a blob into `file`, verifying size and digest.
  ///
  /// A body that breaks off is resumed with a Range request from the last byte written
  /// (or restarted when the server ignores Range), up to the retry limit. On any failure
  /// the file is removed: no partial blob is ever left behind.
  public func downloadBlob(
    repository: String, descriptor: Descriptor, to file: URL, progress: (@Sendable (Int64) -> Void)? = nil
  ) async throws {
    let operation = "GET blob \(descriptor.digest)"
    guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
      throw RegistryError(
        .transport, registry: registry, repository: repository, operation: operation,
        detail: "cannot create \(file.path)")
    }
    do {
      let handle = try FileHandle(forWritingTo: file)
      defer { try? handle.close() }
      var hasher = DigestHasher()
      var written: Int64 = 0
      var attempt = 1
      while true {
        do {
          var headers: [(String, String)] = []
          if written > 0 { headers.append(("Range", "bytes=\(written)-")) }
          let response = try await send(
            RegistryRequest(
              method: .GET, path: path(repository, "blobs/\(descriptor.digest)"), headers: headers,
              operation: operation, repository: repository, scopes: [.pull(repository)]))
          if written > 0 {
            let resumed =
              response.status == .partialContent
              && ContentRange(response.headers.first(name: "Content-Range") ?? "")?.start == written
            if !resumed {
              try handle.truncate(atOffset: 0)
              hasher = DigestHasher()
              written = 0
            }
          }
          for try await buffer in response.body {
            written += Int64(buffer.readableBytes)
            guard written <= descriptor.size else {
              throw RegistryError(
                .integrity, registry: registry, repository: repository, operation: operation,
                detail: "body exceeds the descriptor's size of \(descriptor.size) bytes")
            }
            buffer.withUnsafeReadableBytes { hasher.update($0) }
            try handle.write(contentsOf: Data(buffer.readableBytesView))
            progress?(written)
          }
          break
        } catch let error as RegistryError where error.kind != .transport {
          throw error
        } catch {
          guard attempt < configuration.retry.maxAttempts, !Task.isCancelled else {
            throw RegistryError(
              .transport, registry: registry, repository: repository, operation: operation,
              detail: "download broke off at byte \(written) of \(descriptor.size) after \(attempt) attempts: \(error)")
          }
          logger.info(
            "resuming broken download",
            metadata: ["digest": "\(descriptor.digest)", "offset": "\(written)", "error": "\(error)"])
          try await configuration.retry.backoff(attempt: attempt)
          attempt += 1
        }
      }
      guard written == descriptor.size else {
        throw RegistryError(
          .integrity, registry: registry, repository: repository, operation: operation,
          detail: "got \(written) bytes, descriptor says \(descriptor.size)")
      }
      let actual = hasher.finalize()
      guard actual == descriptor.digest else {
        throw RegistryError.integrity(
          registry: registry, repository: repository, operation: operation, expected: descriptor.digest, actual: actual)
      }
    } catch {
      try? FileManager.default.removeItem(at: file)
      throw error
    }
  }
}
