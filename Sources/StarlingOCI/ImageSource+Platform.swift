extension ImageSource {
  /// The image manifest to run on `platform`: the root itself when it is a manifest, else
  /// the index's first entry for that platform (fetched). Throws naming the image when the
  /// index has no such entry.
  public func imageManifest(for platform: Platform) async throws -> Manifest {
    var document = try await resolveRoot()
    if case .index(let index) = document.content {
      guard let entry = index.manifests(for: platform).first else {
        throw OCIError.layout(path: displayName, reason: "no manifest for platform \(platform)")
      }
      document = try await manifest(entry)
    }
    guard case .manifest(let manifest) = document.content else {
      throw OCIError.layout(path: displayName, reason: "an index entry is not an image manifest")
    }
    return manifest
  }
}
