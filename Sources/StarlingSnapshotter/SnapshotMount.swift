/// One mount(2) a container's root needs, in containerd's terms (type, source, options).
public struct SnapshotMount: Sendable, Equatable {
  public var type: String
  public var source: String
  public var options: [String]

  public init(type: String, source: String, options: [String]) {
    self.type = type
    self.source = source
    self.options = options
  }

  /// A bind mount of `directory`.
  static func bind(_ directory: String, readOnly: Bool) -> SnapshotMount {
    SnapshotMount(type: "bind", source: directory, options: [readOnly ? "ro" : "rw", "rbind"])
  }

  /// An overlay of `lower` (uppermost first), with `upper`/`work` when writable. `index=off`
  /// as containerd does: lower dirs on FUSE have no stable file handles for the index.
  static func overlay(lower: [String], upper: String?, work: String?) -> SnapshotMount {
    var options = ["index=off"]
    if let upper, let work { options += ["workdir=" + work, "upperdir=" + upper] }
    options.append("lowerdir=" + lower.joined(separator: ":"))
    return SnapshotMount(type: "overlay", source: "overlay", options: options)
  }
}
