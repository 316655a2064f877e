import ContainerdAPI
import GRPCCore
import StarlingSnapshots
import SwiftProtobuf

extension SnapshotError.Code {
  /// The status code containerd's client maps back to this errdefs error.
  var rpcCode: RPCError.Code {
    switch self {
    case .notFound: .notFound
    case .alreadyExists: .alreadyExists
    case .failedPrecondition: .failedPrecondition
    case .invalidArgument: .invalidArgument
    }
  }
}

extension SnapshotMount {
  var message: Containerd_Types_Mount {
    .with {
      $0.type = type
      $0.source = source
      $0.options = options
    }
  }
}

extension SnapshotInfo {
  static let outcomeLabel = "containerd.io/snapshot/starling.outcome"

  var message: Containerd_Services_Snapshots_V1_Info {
    .with {
      $0.name = name
      $0.parent = parent ?? ""
      $0.kind =
        switch kind {
        case .view: .view
        case .active: .active
        case .committed: .committed
        }
      $0.createdAt = Google_Protobuf_Timestamp(date: created)
      $0.updatedAt = Google_Protobuf_Timestamp(date: updated)
      $0.labels = labels
      // How the layer was served, for `ctr snapshots info` and `starling status`.
      if let outcome { $0.labels[Self.outcomeLabel] = outcome }
    }
  }
}

extension String {
  /// nil for the empty string (proto3 has no absent strings).
  var nonEmpty: String? { isEmpty ? nil : self }
}
