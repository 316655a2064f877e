import Crypto
public import Foundation

/// Where a mount keeps its state, under the Starling root:
/// `<root>/mounts/<id>/{mount.json, stats.json, l/<n>, upper, work, log}`; `<root>/cache` is the
/// blob cache shared by every mount. `<id>` derives from the mount point's path, so
/// `starling umount DIR` finds it again without any other record.
public struct MountDirectory: Sendable {
  /// The Starling root (`/var/lib/starling` by default).
  public let root: URL
  /// The mount point, absolute and with symlinks resolved.
  public let mountpoint: String

  public init(root: URL, mountpoint: String) {
    self.root = root
    self.mountpoint = mountpoint
  }

  /// The per-mount directory.
  public var url: URL {
    let digest = SHA256.hash(data: Data(mountpoint.utf8)).map { String(format: "%02x", $0) }.joined()
    return root.appending(path: "mounts").appending(path: String(digest.prefix(16)))
  }

  /// The shared blob cache.
  public var cache: URL { root.appending(path: "cache") }
  /// The state file.
  public var stateFile: URL { url.appending(path: "mount.json") }
  /// Mount point of layer `n` (short, so long lowerdir lists fit in one page).
  public func layer(_ n: Int) -> String { url.appending(path: "l").appending(path: "\(n)").path }
  public var upper: String { url.appending(path: "upper").path }
  public var work: String { url.appending(path: "work").path }
  /// Live figures (`MountStatistics`).
  public var statsFile: URL { url.appending(path: "stats.json") }
  /// Removes the mount's state; with `keepingFigures`, all but `stats.json`.
  public func removeState(keepingFigures: Bool) throws {
    let manager = FileManager.default
    guard keepingFigures else { return try manager.removeItem(at: url) }
    for name in try manager.contentsOfDirectory(atPath: url.path) where name != statsFile.lastPathComponent {
      try manager.removeItem(at: url.appending(path: name))
    }
  }

  /// Created by `starling umount` before it stops the server: keep the final figures.
  public var umountRequest: URL { url.appending(path: "umount-requested") }
  /// The background process's log.
  public var log: URL { url.appending(path: "log") }
}

/// What `starling mount` records for `starling umount` and for humans.
public struct MountState: Codable, Sendable {
  public var image: String
  public var mountpoint: String
  /// The process serving the layers.
  public var pid: Int32
  /// Layer mount points, bottom first.
  public var layers: [String]
  public var writable: Bool
  public var created: Date

  public init(image: String, mountpoint: String, pid: Int32, layers: [String], writable: Bool, created: Date = Date()) {
    self.image = image
    self.mountpoint = mountpoint
    self.pid = pid
    self.layers = layers
    self.writable = writable
    self.created = created
  }

  /// Reads the state file, or nil if there is none.
  public static func load(_ directory: MountDirectory) throws -> MountState? {
    guard let data = FileManager.default.contents(atPath: directory.stateFile.path) else { return nil }
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try decoder.decode(MountState.self, from: data)
  }

  /// Writes the state file atomically.
  public func save(_ directory: MountDirectory) throws {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(self).write(to: directory.stateFile, options: .atomic)
  }
}
