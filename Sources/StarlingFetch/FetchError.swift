/// Why a read could not be served.
public enum FetchError: Error, CustomStringConvertible {
  /// Every source failed for these frames until the fetch deadline; `failures` names each
  /// source and its error in the last round of attempts.
  case unavailable(layer: String, blobRange: Range<Int64>, failures: [String])
  /// The index does not describe the requested entry as readable content.
  case notAFile(entry: UInt32)
  /// A frame the read needs was neither decoded nor being fetched (a fetcher bug).
  case frameLost(frame: UInt32)

  public var description: String {
    switch self {
    case .unavailable(let layer, let range, let failures):
      "layer \(layer): bytes \(range.lowerBound)-\(range.upperBound - 1) unavailable: "
        + (failures.isEmpty ? "no sources" : failures.joined(separator: "; "))
    case .notAFile(let entry): "entry \(entry) is not a regular file"
    case .frameLost(let frame): "frame \(frame) was neither cached nor fetched"
    }
  }
}
