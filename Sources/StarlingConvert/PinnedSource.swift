import Foundation
import StarlingOCI

/// A source whose root is fixed to an already-resolved document (e.g. one platform's manifest).
struct PinnedSource<Base: ImageSource>: ImageSource {
  let base: Base
  let root: ManifestDocument

  var displayName: String { base.displayName }
  var blobOrigin: BlobOrigin? { base.blobOrigin }

  func resolveRoot() async throws -> ManifestDocument { root }

  func manifest(_ descriptor: Descriptor) async throws -> ManifestDocument { try await base.manifest(descriptor) }

  func withBlobFile<T: Sendable>(
    _ descriptor: Descriptor, staging: URL?, progress: @escaping @Sendable (Int64) -> Void,
    _ body: (URL) async throws -> T
  ) async throws -> T {
    try await base.withBlobFile(descriptor, staging: staging, progress: progress, body)
  }
}
