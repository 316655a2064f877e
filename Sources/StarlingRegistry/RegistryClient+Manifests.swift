import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StarlingFormat
public import StarlingOCI

extension RegistryClient {
  /// Fetches a manifest or index by tag or digest, verifying its digest.
  ///
  /// When fetched by tag, the registry's `Docker-Content-Digest` header (if sent) must
  /// match the bytes.
  public func manifest(repository: String, reference: String) async throws -> ManifestDocument {
    let digest = try? Digest(parsing: reference)
    let operation = "GET manifest \(reference)"
    let (body, headers) = try await withRetriedBody(
      RegistryRequest(
        method: .GET, path: path(repository, "manifests/\(reference)"),
        headers: [("Accept", MediaType.acceptedManifests.joined(separator: ", "))], operation: operation,
        repository: repository, scopes: [.pull(repository)])
    ) { response in (try await response.body.collect(upTo: configuration.maxManifestBytes), response.headers) }
    let bytes = Data(body.readableBytesView)
    let actual = Digest.sha256(of: bytes)
    if let digest, digest != actual {
      throw RegistryError.integrity(
        registry: registry, repository: repository, operation: operation, expected: digest, actual: actual)
    }
    if let header = headers.first(name: "Docker-Content-Digest"), let claimed = try? Digest(parsing: header),
      claimed.algorithm == "sha256", claimed != actual
    {
      throw RegistryError.integrity(
        registry: registry, repository: repository, operation: operation, expected: claimed, actual: actual)
    }
    do {
      return try ManifestDocument(bytes: bytes, mediaType: headers.first(name: "Content-Type"))
    } catch {
      throw RegistryError(
        .invalidContent, registry: registry, repository: repository, operation: operation, detail: "\(error)")
    }
  }

  /// Resolves a tag or digest to a descriptor without downloading the manifest.
  public func headManifest(repository: String, reference: String) async throws -> Descriptor {
    let operation = "HEAD manifest \(reference)"
    let response = try await send(
      RegistryRequest(
        method: .HEAD, path: path(repository, "manifests/\(reference)"),
        headers: [("Accept", MediaType.acceptedManifests.joined(separator: ", "))], operation: operation,
        repository: repository, scopes: [.pull(repository)]))
    guard let header = response.headers.first(name: "Docker-Content-Digest"),
      let digest = try? Digest(parsing: header),
      let length = response.headers.first(name: "Content-Length").flatMap({ Int64($0) })
    else {
      // Some registries omit the digest on HEAD; fall back to a GET.
      return try await manifest(repository: repository, reference: reference).descriptor
    }
    let type = response.headers.first(name: "Content-Type")?.split(separator: ";").first.map(String.init)
    return Descriptor(mediaType: type ?? MediaType.ociManifest, digest: digest, size: length)
  }

  /// Uploads a manifest under a tag or its digest; the blobs it refers to must exist.
  public func putManifest(_ document: ManifestDocument, repository: String, reference: String) async throws {
    let bytes = document.bytes
    let operation = "PUT manifest \(reference)"
    let response = try await send(
      RegistryRequest(
        method: .PUT, path: path(repository, "manifests/\(reference)"),
        headers: [("Content-Type", document.descriptor.mediaType)], operation: operation, repository: repository,
        scopes: [.push(repository)]
      ) { .bytes(ByteBuffer(bytes: bytes)) })
    _ = try? await response.body.collect(upTo: 1 << 16)
    if let header = response.headers.first(name: "Docker-Content-Digest"), let stored = try? Digest(parsing: header),
      stored != document.descriptor.digest
    {
      throw RegistryError.integrity(
        registry: registry, repository: repository, operation: operation, expected: document.descriptor.digest,
        actual: stored)
    }
  }
}
