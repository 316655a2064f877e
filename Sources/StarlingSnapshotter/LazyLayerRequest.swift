/// What containerd's Prepare labels say about a layer that may be served lazily. Both
/// vocabularies are accepted: the CRI plugin's (`containerd.io/snapshot/cri.*`) and the one
/// `ctr-remote image rpull` sends (`containerd.io/snapshot/remote/stargz.*`). containerd
/// also forwards every layer annotation under `containerd.io/snapshot/`, which is how the
/// Starling index annotations arrive without a manifest fetch.
public struct LazyLayerRequest: Sendable, Equatable {
  /// The name containerd wants the layer committed under (its chain ID).
  public var target: String
  /// The image the layer belongs to (`host/repo:tag` or `@digest`).
  public var image: String
  /// The layer blob's digest.
  public var layerDigest: String

  static let targetLabel = "containerd.io/snapshot.ref"
  static let imageLabels = ["containerd.io/snapshot/remote/stargz.reference", "containerd.io/snapshot/cri.image-ref"]
  static let digestLabels = ["containerd.io/snapshot/remote/stargz.digest", "containerd.io/snapshot/cri.layer-digest"]
  /// Forwarded from the layer's annotations: present only on Starling layers.
  static let starlingIndexLabel = "containerd.io/snapshot/starling.index.digest"

  /// Parses the labels: `.success` with a request, or `.failure` with why the layer takes
  /// the ordinary path (said in logs, metrics and the snapshot's outcome label).
  public static func parse(_ labels: [String: String]) -> Result<LazyLayerRequest, LazyFallback> {
    guard let target = labels[targetLabel], !target.isEmpty else { return .failure(.notRemote) }
    guard let image = imageLabels.lazy.compactMap({ labels[$0] }).first(where: { !$0.isEmpty }),
      let digest = digestLabels.lazy.compactMap({ labels[$0] }).first(where: { !$0.isEmpty })
    else { return .failure(.missingLabels) }
    guard labels[starlingIndexLabel] != nil else { return .failure(.notStarling) }
    return .success(LazyLayerRequest(target: target, image: image, layerDigest: digest))
  }
}

/// Why a layer took the ordinary (download and unpack) path.
public enum LazyFallback: Error, CustomStringConvertible, Equatable, Sendable {
  /// No `containerd.io/snapshot.ref`: a plain pull (`ctr image pull`), not a remote-snapshot pull.
  case notRemote
  /// A remote-snapshot pull without the image reference or layer digest labels.
  case missingLabels
  /// The layer has no Starling index annotation (not converted).
  case notStarling
  /// Checking or mounting the layer failed.
  case failed(String)

  public var description: String {
    switch self {
    case .notRemote: "no remote-snapshot labels (plain pull)"
    case .missingLabels: "no image reference or layer digest labels"
    case .notStarling: "not a Starling layer"
    case .failed(let reason): reason
    }
  }
}
