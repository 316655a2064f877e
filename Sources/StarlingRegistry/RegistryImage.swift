public import Foundation
import StarlingFormat
public import StarlingOCI

/// An image in a registry repository, as a copy source or destination.
public struct RegistryImage: ImageSource, ImageDestination {
  /// The client of the image's registry.
  public let client: RegistryClient
  /// The image reference (its tag is written last when used as a destination).
  public let reference: ImageReference
  /// Upload in PATCH chunks of this size instead of one PUT.
  public var chunkSize: Int?

  public init(client: RegistryClient, reference: ImageReference, chunkSize: Int? = nil) {
    self.client = client
    self.reference = reference
    self.chunkSize = chunkSize
  }

  public var displayName: String { reference.description }
  public var blobOrigin: BlobOrigin? { BlobOrigin(registry: reference.registry, repository: reference.repository) }
  public var stagingDirectory: URL? { nil }

  public func resolveRoot() async throws -> ManifestDocument {
    try await client.manifest(repository: reference.repository, reference: reference.reference)
  }

  public func manifest(_ descriptor: Descriptor) async throws -> ManifestDocument {
    let document = try await client.manifest(repository: reference.repository, reference: descriptor.digest.description)
    return try ManifestDocument(bytes: document.bytes, mediaType: document.descriptor.mediaType, expected: descriptor)
  }

  public func withBlobFile<T: Sendable>(
    _ descriptor: Descriptor, staging: URL?, progress: @escaping @Sendable (Int64) -> Void,
    _ body: (URL) async throws -> T
  ) async throws -> T {
    let directory = staging ?? FileManager.default.temporaryDirectory
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appending(path: "\(descriptor.digest.encoded).\(UUID().uuidString).partial")
    defer { try? FileManager.default.removeItem(at: file) }
    try await client.downloadBlob(
      repository: reference.repository, descriptor: descriptor, to: file, progress: progress)
    return try await body(file)
  }

  public func hasBlob(_ descriptor: Descriptor) async throws -> Bool {
    try await client.blobSize(repository: reference.repository, digest: descriptor.digest) == descriptor.size
  }

  public func mountBlob(_ descriptor: Descriptor, from origin: BlobOrigin) async throws -> Bool {
    guard origin.registry == reference.registry, origin.repository != reference.repository else { return false }
    do {
      return try await client.mountBlob(
        repository: reference.repository, digest: descriptor.digest, from: origin.repository)
    } catch let error as RegistryError where error.kind == .unauthorized || error.kind == .denied {
      return false  // no pull access to the origin here: upload instead
    }
  }

  public func putBlob(_ descriptor: Descriptor, file: URL, progress: @escaping @Sendable (Int64) -> Void) async throws {
    try await client.pushBlob(
      repository: reference.repository, descriptor: descriptor, from: file, chunkSize: chunkSize, progress: progress)
  }

  public func putManifest(_ document: ManifestDocument) async throws {
    try await client.putManifest(
      document, repository: reference.repository, reference: document.descriptor.digest.description)
  }

  public func putRootManifest(_ document: ManifestDocument) async throws {
    if let digest = reference.digest, digest != document.descriptor.digest {
      throw RegistryError(
        .invalidContent, registry: reference.registry, repository: reference.repository,
        operation: "PUT manifest \(digest)",
        detail: "destination names digest \(digest) but the image is \(document.descriptor.digest)")
    }
    try await client.putManifest(
      document, repository: reference.repository, reference: reference.tag ?? document.descriptor.digest.description)
  }
}

extension RegistryImage: BlobRangeReader {
  public func readBlob(_ descriptor: Descriptor, range: Range<Int64>) async throws -> Data {
    try await client.blob(repository: reference.repository, digest: descriptor.digest, range: range)
  }
}
