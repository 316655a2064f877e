import AsyncHTTPClient
public import Foundation
import Logging
import NIOCore
import NIOHTTP1
public import StarlingFormat
public import StarlingOCI

extension RegistryClient {
  /// The size of a blob, or nil when the repository does not hold it.
  public func blobSize(repository: String, digest: Digest) async throws -> Int64? {
    let response = try await send(
      RegistryRequest(
        method: .HEAD, path: path(repository, "blobs/\(digest)"), operation: "HEAD blob \(digest)",
        repository: repository, scopes: [.pull(repository)], accept: [404]))
    guard response.status != .notFound else { return nil }
    return response.headers.first(name: "Content-Length").flatMap { Int64($0) }
  }

  /// Downloads a small blob (a config) into memory and verifies it.
  public func blob(repository: String, descriptor: Descriptor, limit: Int = 64 << 20) async throws -> Data {
    let operation = "GET blob \(descriptor.digest)"
    guard descriptor.size <= limit else {
      throw RegistryError(
        .invalidContent, registry: registry, repository: repository, operation: operation,
        detail: "blob of \(descriptor.size) bytes exceeds the in-memory limit of \(limit)")
    }
    let data = try await withRetriedBody(
      RegistryRequest(
        method: .GET, path: path(repository, "blobs/\(descriptor.digest)"), operation: operation,
        repository: repository, scopes: [.pull(repository)])
    ) { response in Data(try await response.body.collect(upTo: Int(descriptor.size)).readableBytesView) }
    do {
      try descriptor.verify(data)
    } catch {
      throw RegistryError(
        .integrity, registry: registry, repository: repository, operation: operation, detail: error.description)
    }
    return data
  }

  /// Reads bytes `range` of a blob with one Range request.
  ///
  /// The bytes cannot be checked against the blob digest; callers verify what they carry
  /// (chunk digests). A 200 answer with the whole blob is accepted and sliced.
  public func blob(repository: String, digest: Digest, range: Range<Int64>) async throws -> Data {
    let operation = "GET blob \(digest) bytes \(range.lowerBound)-\(range.upperBound - 1)"
    guard !range.isEmpty else { return Data() }
    return try await withRetriedBody(
      RegistryRequest(
        method: .GET, path: path(repository, "blobs/\(digest)"),
        headers: [("Range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")], operation: operation,
        repository: repository, scopes: [.pull(repository)])
    ) { response in
      func violation(_ detail: String) -> RegistryError {
        RegistryError(
          .protocolViolation, registry: registry, repository: repository, operation: operation,
          status: response.status.code, detail: detail)
      }
      if response.status == .partialContent {
        let header = response.headers.first(name: "Content-Range") ?? ""
        guard let served = ContentRange(header), served.start == range.lowerBound, served.end == range.upperBound - 1
        else { throw violation("Content-Range '\(header)' does not match the requested range") }
        let body = try await response.body.collect(upTo: range.count)
        guard body.readableBytes == range.count else {
          throw violation("206 body has \(body.readableBytes) bytes, expected \(range.count)")
        }
        return Data(body.readableBytesView)
      }
      // A server that ignores Range sends the whole blob; take the slice from it.
      guard range.upperBound <= 1 << 30 else { throw violation("server ignored Range for a large blob") }
      var collected = Data()
      for try await buffer in response.body {
        collected.append(contentsOf: buffer.readableBytesView)
        if collected.count >= range.upperBound { break }
      }
      guard collected.count >= range.upperBound else {
        throw violation("blob is \(collected.count) bytes, shorter than the requested range")
      }
      return collected.subdata(in: Int(range.lowerBound)..<Int(range.upperBound))
    }
  }
}

/// A parsed `Content-Range: bytes START-END/TOTAL` header.
struct ContentRange {
  var start: Int64
  var end: Int64
  var total: Int64?

  init?(_ header: String) {
    guard header.hasPrefix("bytes ") else { return nil }
    let spec = header.dropFirst(6)
    let parts = spec.split(separator: "/", maxSplits: 1)
    let bounds = parts.first?.split(separator: "-", maxSplits: 1) ?? []
    guard bounds.count == 2, let start = Int64(bounds[0]), let end = Int64(bounds[1]), start <= end else { return nil }
    self.start = start
    self.end = end
    self.total = parts.count == 2 ? Int64(parts[1]) : nil
  }
}
