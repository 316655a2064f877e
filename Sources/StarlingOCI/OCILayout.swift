public import Foundation
public import StarlingFormat

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`).
///
/// Blobs are written to a temporary file, verified, then renamed into place, so a crash
/// never leaves a blob whose name lies about its content. `index.json` is rewritten
/// atomically. See https://github.com/opencontainers/image-spec/blob/main/image-layout.md
public struct OCILayout: Sendable {
  /// The layout's root directory.
  public let root: URL

  /// Opens an existing layout, or creates an empty one when `create` is set.
  public init(at root: URL, create: Bool = false) throws(OCIError) {
    self.root = root
    let fm = FileManager.default
    let marker = root.appending(path: "oci-layout")
    if !fm.fileExists(atPath: marker.path) {
      guard create else { throw .layout(path: root.path, reason: "not an OCI layout (no oci-layout file)") }
      do {
        try fm.createDirectory(at: root.appending(path: "blobs/sha256"), withIntermediateDirectories: true)
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: marker, options: .atomic)
        if !fm.fileExists(atPath: indexURL.path) {
          try writeIndex(ImageIndex(manifests: []))
        }
      } catch let error as OCIError {
        throw error
      } catch {
        throw .layout(path: root.path, reason: "cannot create: \(error.localizedDescription)")
      }
    }
    do {
      let header = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: marker))
      guard let version = header["imageLayoutVersion"], version.hasPrefix("1.") else {
        throw OCIError.layout(
          path: root.path, reason: "unsupported imageLayoutVersion \(header["imageLayoutVersion"] ?? "missing")")
      }
    } catch let error as OCIError {
      throw error
    } catch {
      throw .layout(path: root.path, reason: "unreadable oci-layout file: \(error)")
    }
  }

  /// Where `index.json` lives.
  public var indexURL: URL { root.appending(path: "index.json") }

  /// The path of a blob (whether or not it exists).
  public func blobURL(_ digest: Digest) -> URL {
    root.appending(path: "blobs/\(digest.algorithm)/\(digest.encoded)")
  }

  /// A private folder for partial downloads on the same filesystem as the blobs.
  public var stagingDirectory: URL { root.appending(path: ".starling-staging") }

  /// Whether a blob of the right size is present.
  public func hasBlob(_ descriptor: Descriptor) -> Bool {
    let attributes = try? FileManager.default.attributesOfItem(atPath: blobURL(descriptor.digest).path)
    return (attributes?[.size] as? NSNumber)?.int64Value == descriptor.size
  }

  /// Reads and verifies a blob small enough to hold in memory (manifests, configs).
  public func readBlob(_ descriptor: Descriptor) throws(OCIError) -> Data {
    let data: Data
    do {
      data = try Data(contentsOf: blobURL(descriptor.digest))
    } catch {
      throw .blobNotFound(descriptor.digest, location: root.path)
    }
    try descriptor.verify(data)
    return data
  }

  /// Writes bytes as a blob; returns its descriptor.
  @discardableResult
  public func writeBlob(_ data: Data, mediaType: String) throws(OCIError) -> Descriptor {
    let descriptor = Descriptor(mediaType: mediaType, bytes: data)
    if hasBlob(descriptor) { return descriptor }
    let target = blobURL(descriptor.digest)
    do {
      try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: target, options: .atomic)
    } catch {
      throw .layout(path: root.path, reason: "cannot write blob \(descriptor.digest): \(error.localizedDescription)")
    }
    return descriptor
  }

  /// Moves or copies a file into the blob store after checking its digest and size.
  public func ingestBlob(from file: URL, expected: Descriptor, move: Bool) throws(OCIError) {
    if hasBlob(expected) { return }
    let actual = try FileDigest.compute(file)
    guard actual.size == expected.size else {
      throw .sizeMismatch(digest: expected.digest, expected: expected.size, actual: actual.size)
    }
    guard actual.digest == expected.digest else {
      throw .digestMismatch(expected: expected.digest, actual: actual.digest)
    }
    let target = blobURL(expected.digest)
    let fm = FileManager.default
    do {
      try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
      let temporary = target.deletingLastPathComponent().appending(
        path: ".\(expected.digest.encoded).\(UUID().uuidString)")
      if move {
        try fm.moveItem(at: file, to: temporary)
      } else {
        try fm.copyItem(at: file, to: temporary)
      }
      guard rename(temporary.path, target.path) == 0 else {
        let code = errno
        try? fm.removeItem(at: temporary)
        throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
      }
    } catch {
      throw .layout(path: root.path, reason: "cannot store blob \(expected.digest): \(error.localizedDescription)")
    }
  }
}
