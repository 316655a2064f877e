import AsyncHTTPClient
public import Foundation
import Logging
import NIOCore
import NIOHTTP1
public import StarlingFormat
public import StarlingOCI

extension RegistryClient {
  /// Uploads a blob from a file unless the repository already has it.
  ///
  /// With `chunkSize` the upload is a series of PATCH requests (for registries or proxies
  /// that limit request sizes); otherwise one PUT. A failed upload restarts from a new
  /// session, up to the retry limit.
  public func pushBlob(
    repository: String, descriptor: Descriptor, from file: URL, chunkSize: Int? = nil,
    progress: (@Sendable (Int64) -> Void)? = nil
  ) async throws {
    if try await blobSize(repository: repository, digest: descriptor.digest) == descriptor.size {
      progress?(descriptor.size)
      return
    }
    let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber
    guard size?.int64Value == descriptor.size else {
      throw RegistryError(
        .invalidContent, registry: registry, repository: repository, operation: "push blob \(descriptor.digest)",
        detail: "local file \(file.path) has \(size?.int64Value ?? -1) bytes, descriptor says \(descriptor.size)")
    }
    var attempt = 1
    while true {
      do {
        let location = try await startUpload(repository: repository, query: nil)
        if let chunkSize, chunkSize > 0 {
          try await uploadChunked(repository, descriptor, file, location: location, chunkSize: chunkSize, progress)
        } else {
          try await uploadMonolithic(repository, descriptor, file, location: location, progress)
        }
        return
      } catch let error as RegistryError where error.kind != .transport && (error.status ?? 0) < 500 {
        throw error
      } catch {
        guard attempt < configuration.retry.maxAttempts else { throw error }
        logger.info("restarting failed upload", metadata: ["digest": "\(descriptor.digest)", "error": "\(error)"])
        try await configuration.retry.backoff(attempt: attempt)
        attempt += 1
      }
    }
  }

  /// Links a blob from another repository of this registry; false when the registry
  /// declined (the caller then uploads).
  public func mountBlob(repository: String, digest: Digest, from source: String) async throws -> Bool {
    let query =
      "mount=\(digest)&from=\(source.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? source)"
    let response = try await send(
      RegistryRequest(
        method: .POST, path: path(repository, "blobs/uploads/?\(query)"), headers: [("Content-Length", "0")],
        operation: "mount blob \(digest) from \(source)", repository: repository,
        scopes: [.push(repository), .pull(source)]))
    _ = try? await response.body.collect(upTo: 1 << 16)
    if response.status == .created { return true }
    // 202: the registry opened an ordinary upload instead; cancel it.
    if let location = response.headers.first(name: "Location") {
      _ = try? await send(
        RegistryRequest(
          method: .DELETE, path: resolve(location, against: baseURL) ?? location, operation: "cancel upload",
          repository: repository, scopes: [.push(repository)], accept: [404, 405], retryable: false))
    }
    return false
  }

  private func startUpload(repository: String, query: String?) async throws -> String {
    let operation = "start upload"
    let response = try await send(
      RegistryRequest(
        method: .POST, path: path(repository, "blobs/uploads/"), headers: [("Content-Length", "0")],
        operation: operation, repository: repository, scopes: [.push(repository)]))
    _ = try? await response.body.collect(upTo: 1 << 16)
    return try location(response, repository: repository, operation: operation)
  }

  private func uploadMonolithic(
    _ repository: String, _ descriptor: Descriptor, _ file: URL, location: String,
    _ progress: (@Sendable (Int64) -> Void)?
  ) async throws {
    let url = appendingQuery(location, "digest=\(descriptor.digest)")
    let response = try await send(
      RegistryRequest(
        method: .PUT, path: url,
        headers: [("Content-Type", "application/octet-stream"), ("Content-Length", "\(descriptor.size)")],
        operation: "PUT blob \(descriptor.digest)", repository: repository, scopes: [.push(repository)],
        retryable: false
      ) {
        .stream(
          FileByteSequence(file: file, range: 0..<descriptor.size, progress: progress), length: .known(descriptor.size))
      })
    _ = try? await response.body.collect(upTo: 1 << 16)
  }

  private func uploadChunked(
    _ repository: String, _ descriptor: Descriptor, _ file: URL, location start: String, chunkSize: Int,
    _ progress: (@Sendable (Int64) -> Void)?
  ) async throws {
    var location = start
    var offset: Int64 = 0
    while offset < descriptor.size {
      let end = min(offset + Int64(chunkSize), descriptor.size)
      let base = offset
      let chunkProgress: (@Sendable (Int64) -> Void)? = progress.map { report in { @Sendable n in report(base + n) } }
      let operation = "PATCH blob \(descriptor.digest) bytes \(offset)-\(end - 1)"
      let response = try await send(
        RegistryRequest(
          method: .PATCH, path: location,
          headers: [
            ("Content-Type", "application/octet-stream"), ("Content-Range", "\(offset)-\(end - 1)"),
            ("Content-Length", "\(end - offset)"),
          ], operation: operation, repository: repository, scopes: [.push(repository)], retryable: false
        ) {
          .stream(
            FileByteSequence(file: file, range: base..<end, progress: chunkProgress),
            length: .known(end - base))
        })
      _ = try? await response.body.collect(upTo: 1 << 16)
      location = try self.location(response, repository: repository, operation: operation)
      offset = end
    }
    let response = try await send(
      RegistryRequest(
        method: .PUT, path: appendingQuery(location, "digest=\(descriptor.digest)"),
        headers: [("Content-Length", "0")], operation: "finish upload \(descriptor.digest)",
        repository: repository, scopes: [.push(repository)], retryable: false))
    _ = try? await response.body.collect(upTo: 1 << 16)
  }

  private func location(_ response: HTTPClientResponse, repository: String, operation: String) throws -> String {
    guard let header = response.headers.first(name: "Location"), let url = resolve(header, against: baseURL) else {
      throw RegistryError(
        .protocolViolation, registry: registry, repository: repository, operation: operation,
        status: response.status.code, detail: "no Location header in the upload response")
    }
    return url
  }

  private func appendingQuery(_ url: String, _ item: String) -> String {
    url + (url.contains("?") ? "&" : "?") + item
  }
}
