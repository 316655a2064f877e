public import Foundation

/// Where a blob already lives in a registry, so a destination on the same registry can
/// mount it instead of uploading it again.
public struct BlobOrigin: Sendable, Hashable {
  /// Registry host[:port].
  public var registry: String
  /// Repository holding the blob.
  public var repository: String

  public init(registry: String, repository: String) {
    self.registry = registry
    self.repository = repository
  }
}

/// Something images can be read from: a registry repository or an OCI layout.
///
/// Every method verifies what it returns against the descriptor it was given.
public protocol ImageSource: Sendable {
  /// A human-readable name for messages (`oci:/path:tag`, `host/repo:tag`).
  var displayName: String { get }
  /// Where blobs of this source live, when it is a registry.
  var blobOrigin: BlobOrigin? { get }
  /// The manifest or index the source's reference points at.
  func resolveRoot() async throws -> ManifestDocument
  /// A manifest or index by descriptor.
  func manifest(_ descriptor: Descriptor) async throws -> ManifestDocument
  /// Makes the verified blob available as a local file for the duration of `body`.
  ///
  /// `staging` is a directory on the destination's filesystem where a downloaded file may
  /// be placed; `progress` receives the byte count fetched so far.
  func withBlobFile<T: Sendable>(
    _ descriptor: Descriptor, staging: URL?, progress: @escaping @Sendable (Int64) -> Void,
    _ body: (URL) async throws -> T
  ) async throws -> T
}

/// Something images can be written to.
///
/// Blobs are written before the manifests that refer to them; the tag is set last, by
/// `putRootManifest`, so a failed copy never leaves a tag pointing at missing content.
public protocol ImageDestination: Sendable {
  /// A human-readable name for messages.
  var displayName: String { get }
  /// A directory on the destination's filesystem for staging downloads, if it has one.
  var stagingDirectory: URL? { get }
  /// Whether the destination already holds the blob.
  func hasBlob(_ descriptor: Descriptor) async throws -> Bool
  /// Tries to link the blob from another repository of the same registry; false if not possible.
  func mountBlob(_ descriptor: Descriptor, from origin: BlobOrigin) async throws -> Bool
  /// Stores a blob from a local file (which the call may consume).
  func putBlob(_ descriptor: Descriptor, file: URL, progress: @escaping @Sendable (Int64) -> Void) async throws
  /// Stores a manifest referenced by an index (by digest, untagged).
  func putManifest(_ document: ManifestDocument) async throws
  /// Stores the top-level manifest or index and points the destination's tag at it.
  func putRootManifest(_ document: ManifestDocument) async throws
}

/// What happened to one blob during a copy.
public enum BlobOutcome: String, Sendable {
  case copied
  case alreadyPresent
  case mounted
}

/// Receives progress of a copy; implementations must be cheap and thread-safe.
public protocol CopyObserver: Sendable {
  /// A blob transfer begins.
  func blobStarted(_ descriptor: Descriptor, role: String)
  /// Bytes moved so far for a blob (download, then upload).
  func blobProgress(_ descriptor: Descriptor, phase: TransferPhase, bytes: Int64)
  /// A blob transfer ended.
  func blobFinished(_ descriptor: Descriptor, outcome: BlobOutcome)
}

/// Which half of a blob copy a progress figure belongs to.
public enum TransferPhase: String, Sendable {
  case download
  case upload
}

/// A source that can read part of a blob without fetching all of it.
public protocol BlobRangeReader: Sendable {
  /// Bytes `range` of the blob (`range` must lie within the blob).
  func readBlob(_ descriptor: Descriptor, range: Range<Int64>) async throws -> Data
}
