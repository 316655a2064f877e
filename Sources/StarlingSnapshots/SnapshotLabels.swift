/// containerd's rules for snapshot labels.
public enum SnapshotLabels {
  /// The most bytes a label's key and value may take together (containerd `labels.Validate`).
  public static let maximumPairSize = 4096

  /// Checks one label the way containerd does; throws `invalidArgument` naming the key.
  public static func validate(key: String, value: String) throws(SnapshotError) {
    if key.isEmpty {
      throw .invalidArgument(reason: "label keys must not be empty (value \"\(value.prefix(64))\")")
    }
    let size = key.utf8.count + value.utf8.count
    if size > maximumPairSize {
      throw .invalidArgument(
        reason: "label key and value greater than maximum size (\(maximumPairSize) bytes): "
          + "\(size) bytes for key \"\(key.prefix(64))\""
      )
    }
  }

  /// The labels as stored: empty values dropped (containerd's `WriteLabels` does not store them),
  /// every remaining pair validated, in key order so the first bad key reported is stable.
  static func normalized(_ labels: [String: String]) throws(SnapshotError) -> [(key: String, value: String)] {
    let kept = labels.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
    for pair in kept {
      try validate(key: pair.key, value: pair.value)
    }
    return kept
  }
}
