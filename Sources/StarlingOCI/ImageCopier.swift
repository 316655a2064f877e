import Foundation
import StarlingFormat

/// Copies an image (a manifest or a whole index) from a source to a destination.
///
/// Blobs move in parallel, deduplicated by digest; blobs the destination holds are
/// skipped and blobs on the same registry are mounted. Child manifests are written
/// before the root, and the root (with the tag) last.
public struct ImageCopier: Sendable {
  /// Keep only this platform's manifest when the source is an index.
  public var platform: Platform?
  /// Blob transfers in flight at once.
  public var concurrency: Int

  public init(platform: Platform? = nil, concurrency: Int = 4) {
    self.platform = platform
    self.concurrency = max(1, concurrency)
  }

  /// The result of a copy.
  public struct Report: Sendable {
    /// The root written to the destination.
    public var root: Descriptor
    /// Outcome per blob digest.
    public var blobs: [BlobOutcome: Int]
    /// Bytes of blobs uploaded or written.
    public var bytesCopied: Int64
  }

  /// Runs the copy.
  public func copy(
    from source: some ImageSource, to destination: some ImageDestination, observer: (any CopyObserver)? = nil
  ) async throws -> Report {
    var root = try await source.resolveRoot()
    var children: [ManifestDocument] = []
    if case .index(let index) = root.content {
      if let platform {
        guard let entry = index.manifests(for: platform).first else {
          throw OCIError.platformNotFound(platform, available: index.manifests.compactMap { $0.platform?.description })
        }
        root = try await source.manifest(entry)
      } else {
        for entry in index.manifests {
          children.append(try await source.manifest(entry))
        }
      }
    }
    var blobs: [Descriptor] = []
    var seen = Set<String>()
    let manifests = children.isEmpty ? [root] : children
    for document in manifests {
      guard case .manifest(let manifest) = document.content else {
        throw OCIError.unsupportedMediaType(document.descriptor.mediaType, context: "nested indexes are not supported")
      }
      for blob in [manifest.config] + manifest.layers where seen.insert(blob.digest.description).inserted {
        blobs.append(blob)
      }
    }
    let counts = try await copyBlobs(blobs, from: source, to: destination, observer: observer)
    for child in children {
      try await destination.putManifest(child)
    }
    try await destination.putRootManifest(root)
    var outcomes: [BlobOutcome: Int] = [:]
    var bytes: Int64 = 0
    for (descriptor, outcome) in counts {
      outcomes[outcome, default: 0] += 1
      if outcome == .copied { bytes += descriptor.size }
    }
    return Report(root: root.descriptor, blobs: outcomes, bytesCopied: bytes)
  }

  private func copyBlobs(
    _ blobs: [Descriptor], from source: some ImageSource, to destination: some ImageDestination,
    observer: (any CopyObserver)?
  ) async throws -> [(Descriptor, BlobOutcome)] {
    try await withThrowingTaskGroup(of: (Descriptor, BlobOutcome).self) { group in
      var results: [(Descriptor, BlobOutcome)] = []
      var pending = blobs[...]
      func startNext() {
        guard let blob = pending.popFirst() else { return }
        group.addTask {
          observer?.blobStarted(blob, role: "blob")
          let outcome = try await copyBlob(blob, from: source, to: destination, observer: observer)
          observer?.blobFinished(blob, outcome: outcome)
          return (blob, outcome)
        }
      }
      for _ in 0..<concurrency { startNext() }
      while let result = try await group.next() {
        results.append(result)
        startNext()
      }
      return results
    }
  }

  private func copyBlob(
    _ blob: Descriptor, from source: some ImageSource, to destination: some ImageDestination,
    observer: (any CopyObserver)?
  ) async throws -> BlobOutcome {
    if try await destination.hasBlob(blob) { return .alreadyPresent }
    if let origin = source.blobOrigin, try await destination.mountBlob(blob, from: origin) { return .mounted }
    try await source.withBlobFile(
      blob, staging: destination.stagingDirectory,
      progress: { observer?.blobProgress(blob, phase: .download, bytes: $0) }
    ) { file in
      try await destination.putBlob(blob, file: file) { observer?.blobProgress(blob, phase: .upload, bytes: $0) }
    }
    return .copied
  }
}
