/// The platform an image runs on.
///
/// See https://github.com/opencontainers/image-spec/blob/main/image-index.md
public struct Platform: Codable, Sendable, Hashable, CustomStringConvertible {
  /// CPU architecture in Go's naming (`amd64`, `arm64`).
  public var architecture: String
  /// Operating system in Go's naming (`linux`).
  public var os: String
  /// Operating system version (Windows).
  public var osVersion: String?
  /// Required OS features.
  public var osFeatures: [String]?
  /// CPU variant (`v8` for arm64, `v7` for arm).
  public var variant: String?

  enum CodingKeys: String, CodingKey {
    case architecture, os, variant
    case osVersion = "os.version"
    case osFeatures = "os.features"
  }

  public init(os: String, architecture: String, variant: String? = nil) {
    self.os = os
    self.architecture = architecture
    self.variant = variant
  }

  /// Parses `os/arch[/variant]`, e.g. `linux/arm64/v8`.
  public init(parsing string: String) throws(OCIError) {
    let parts = string.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
      throw .malformedPlatform(string)
    }
    self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
  }

  /// The platform this process runs on.
  public static var current: Platform {
    #if arch(x86_64)
      Platform(os: "linux", architecture: "amd64")
    #elseif arch(arm64)
      Platform(os: "linux", architecture: "arm64", variant: "v8")
    #else
      Platform(os: "linux", architecture: "unknown")
    #endif
  }

  public var description: String {
    [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
  }

  /// Whether an index entry for `other` can run where `self` is wanted.
  ///
  /// Architecture aliases are normalized (x86_64 = amd64, aarch64 = arm64) and a missing
  /// variant matches the architecture's default one (v8 for arm64), as containerd does.
  public func matches(_ other: Platform) -> Bool {
    let (a, b) = (normalized, other.normalized)
    guard a.os == b.os, a.architecture == b.architecture else { return false }
    guard let wanted = a.variant else { return true }
    return wanted == b.variant
  }

  private var normalized: Platform {
    var p = self
    p.os = os.lowercased()
    switch architecture.lowercased() {
    case "x86_64", "x86-64": p.architecture = "amd64"
    case "aarch64": p.architecture = "arm64"
    case "armhf": p.architecture = "arm"; p.variant = p.variant ?? "v7"
    case "armel": p.architecture = "arm"; p.variant = p.variant ?? "v6"
    default: p.architecture = architecture.lowercased()
    }
    if p.architecture == "arm64", p.variant == nil { p.variant = "v8" }
    if p.architecture == "arm", p.variant == nil { p.variant = "v7" }
    if p.architecture == "amd64", p.variant == "v1" { p.variant = nil }
    return p
  }
}
