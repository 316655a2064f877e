import Foundation

extension OCILayout {
  /// Reads `index.json`.
  public func readIndex() throws(OCIError) -> ImageIndex {
    do {
      return try JSONDecoder().decode(ImageIndex.self, from: Data(contentsOf: indexURL))
    } catch {
      throw .layout(path: root.path, reason: "unreadable index.json: \(error)")
    }
  }

  /// Replaces `index.json` atomically.
  public func writeIndex(_ index: ImageIndex) throws(OCIError) {
    do {
      let encoder = ManifestDocument.canonicalEncoder
      encoder.outputFormatting.insert(.prettyPrinted)
      try encoder.encode(index).write(to: indexURL, options: .atomic)
    } catch {
      throw .layout(path: root.path, reason: "cannot write index.json: \(error.localizedDescription)")
    }
  }

  /// The tags present (`org.opencontainers.image.ref.name` of index.json's entries).
  public func tags() throws(OCIError) -> [String] {
    try readIndex().manifests.compactMap { $0.annotations?[AnnotationKey.refName] }
  }

  /// The descriptor for `tag`; with no tag, the only entry of index.json.
  public func resolve(tag: String?) throws(OCIError) -> Descriptor {
    let index = try readIndex()
    guard let tag else {
      guard index.manifests.count == 1, let only = index.manifests.first else {
        throw .layout(
          path: root.path,
          reason:
            "holds \(index.manifests.count) images; name one as oci:\(root.path):TAG (tags: \(try tags().joined(separator: ", ")))"
        )
      }
      return only
    }
    guard let entry = index.manifests.last(where: { $0.annotations?[AnnotationKey.refName] == tag }) else {
      throw .tagNotFound(tag, location: root.path, available: try tags())
    }
    return entry
  }

  /// Points `tag` at `descriptor` (replacing an entry with the same tag), or adds an untagged entry.
  public func tag(_ descriptor: Descriptor, as tag: String?) throws(OCIError) {
    var index = try readIndex()
    var entry = descriptor
    entry.annotations = descriptor.annotations ?? [:]
    if let tag {
      entry.annotations?[AnnotationKey.refName] = tag
      index.manifests.removeAll { $0.annotations?[AnnotationKey.refName] == tag }
    } else {
      if entry.annotations?.isEmpty == true { entry.annotations = nil }
      index.manifests.removeAll { $0.digest == descriptor.digest && $0.annotations?[AnnotationKey.refName] == nil }
    }
    index.manifests.append(entry)
    try writeIndex(index)
  }
}
