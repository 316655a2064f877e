public import Foundation

/// An image inside an OCI layout, addressed as `oci:DIR[:TAG]`.
public struct LayoutImage: ImageSource, ImageDestination {
  /// The layout directory.
  public let layout: OCILayout
  /// The tag inside the layout (`org.opencontainers.image.ref.name`).
  public let tag: String?

  /// Opens the layout for reading, or creates it for writing.
  public init(path: URL, tag: String?, create: Bool) throws(OCIError) {
    self.layout = try OCILayout(at: path, create: create)
    self.tag = tag
  }

  public var displayName: String { "oci:\(layout.root.path)\(tag.map { ":\($0)" } ?? "")" }
  public var blobOrigin: BlobOrigin? { nil }
  public var stagingDirectory: URL? { layout.stagingDirectory }

  public func resolveRoot() async throws -> ManifestDocument {
    try manifestSync(try layout.resolve(tag: tag))
  }

  public func manifest(_ descriptor: Descriptor) async throws -> ManifestDocument {
    try manifestSync(descriptor)
  }

  private func manifestSync(_ descriptor: Descriptor) throws -> ManifestDocument {
    try ManifestDocument(bytes: try layout.readBlob(descriptor), expected: descriptor)
  }

  public func withBlobFile<T: Sendable>(
    _ descriptor: Descriptor, staging: URL?, progress: @escaping @Sendable (Int64) -> Void,
    _ body: (URL) async throws -> T
  ) async throws -> T {
    guard layout.hasBlob(descriptor) else { throw OCIError.blobNotFound(descriptor.digest, location: layout.root.path) }
    // A layout on disk can rot or be tampered with: never pass on a blob that lies.
    let file = layout.blobURL(descriptor.digest)
    let actual = try FileDigest.compute(file)
    guard actual.digest == descriptor.digest else {
      throw OCIError.layout(
        path: layout.root.path,
        reason: OCIError.digestMismatch(expected: descriptor.digest, actual: actual.digest).description)
    }
    progress(descriptor.size)
    return try await body(file)
  }

  public func hasBlob(_ descriptor: Descriptor) async throws -> Bool { layout.hasBlob(descriptor) }

  public func mountBlob(_ descriptor: Descriptor, from origin: BlobOrigin) async throws -> Bool { false }

  public func putBlob(_ descriptor: Descriptor, file: URL, progress: @escaping @Sendable (Int64) -> Void) async throws {
    let staged = file.path.hasPrefix(layout.stagingDirectory.path + "/")
    try layout.ingestBlob(from: file, expected: descriptor, move: staged)
    progress(descriptor.size)
  }

  public func putManifest(_ document: ManifestDocument) async throws {
    try layout.writeBlob(document.bytes, mediaType: document.descriptor.mediaType)
  }

  public func putRootManifest(_ document: ManifestDocument) async throws {
    try await putManifest(document)
    var entry = document.descriptor
    entry.annotations = nil
    entry.platform = nil
    try layout.tag(entry, as: tag)
    try? FileManager.default.removeItem(at: layout.stagingDirectory)
  }
}

extension LayoutImage: BlobRangeReader {
  public func readBlob(_ descriptor: Descriptor, range: Range<Int64>) async throws -> Data {
    guard range.lowerBound >= 0, range.upperBound <= descriptor.size else {
      throw OCIError.layout(path: layout.root.path, reason: "range \(range) outside blob \(descriptor.digest)")
    }
    let handle = try FileHandle(forReadingFrom: layout.blobURL(descriptor.digest))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(range.lowerBound))
    let data = try handle.read(upToCount: range.count) ?? Data()
    guard data.count == range.count else {
      throw OCIError.layout(
        path: layout.root.path, reason: "blob \(descriptor.digest) is shorter than \(range.upperBound) bytes")
    }
    return data
  }
}
