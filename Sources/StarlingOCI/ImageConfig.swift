public import StarlingFormat

/// The parts of an image configuration that Starling reads.
///
/// Configs are never re-encoded from this type when copying: the raw bytes travel. Unknown
/// fields are therefore safe. See https://github.com/opencontainers/image-spec/blob/main/config.md
public struct ImageConfig: Codable, Sendable, Equatable {
  /// CPU architecture.
  public var architecture: String
  /// Operating system.
  public var os: String
  /// CPU variant.
  public var variant: String?
  /// Creation time (RFC 3339).
  public var created: String?
  /// Execution parameters.
  public var config: Execution?
  /// The uncompressed layer digests, base first.
  public var rootfs: RootFS
  /// How each layer was made.
  public var history: [History]?

  /// Default execution parameters of a container.
  public struct Execution: Codable, Sendable, Equatable {
    public var User: String?
    public var Env: [String]?
    public var Entrypoint: [String]?
    public var Cmd: [String]?
    public var WorkingDir: String?
    public var Labels: [String: String]?
    public var StopSignal: String?

    public init(Env: [String]? = nil, Entrypoint: [String]? = nil, Cmd: [String]? = nil) {
      self.Env = Env
      self.Entrypoint = Entrypoint
      self.Cmd = Cmd
    }
  }

  /// The layer chain.
  public struct RootFS: Codable, Sendable, Equatable {
    /// Always `layers`.
    public var type: String
    /// Digests of the uncompressed layer tars.
    public var diffIDs: [Digest]

    enum CodingKeys: String, CodingKey {
      case type
      case diffIDs = "diff_ids"
    }

    public init(diffIDs: [Digest]) {
      self.type = "layers"
      self.diffIDs = diffIDs
    }
  }

  /// One history entry.
  public struct History: Codable, Sendable, Equatable {
    public var created: String?
    public var createdBy: String?
    public var author: String?
    public var comment: String?
    public var emptyLayer: Bool?

    enum CodingKeys: String, CodingKey {
      case created, author, comment
      case createdBy = "created_by"
      case emptyLayer = "empty_layer"
    }

    public init(createdBy: String? = nil, emptyLayer: Bool? = nil) {
      self.createdBy = createdBy
      self.emptyLayer = emptyLayer
    }
  }

  public init(platform: Platform, diffIDs: [Digest], config: Execution? = nil) {
    self.architecture = platform.architecture
    self.os = platform.os
    self.variant = platform.variant
    self.config = config
    self.rootfs = RootFS(diffIDs: diffIDs)
  }

  /// The platform this config declares.
  public var platform: Platform { Platform(os: os, architecture: architecture, variant: variant) }
}
