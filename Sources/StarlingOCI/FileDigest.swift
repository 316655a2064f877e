public import Foundation
public import StarlingFormat

/// Digest and size of a file, computed by streaming it.
public struct FileDigest: Sendable, Equatable {
  public let digest: Digest
  public let size: Int64

  /// Hashes `file` in 1 MiB reads.
  public static func compute(_ file: URL) throws(OCIError) -> FileDigest {
    do {
      let handle = try FileHandle(forReadingFrom: file)
      defer { try? handle.close() }
      var hasher = DigestHasher()
      var size: Int64 = 0
      while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        hasher.update(chunk)
        size += Int64(chunk.count)
      }
      return FileDigest(digest: hasher.finalize(), size: size)
    } catch {
      throw .layout(path: file.path, reason: "cannot read: \(error.localizedDescription)")
    }
  }
}
