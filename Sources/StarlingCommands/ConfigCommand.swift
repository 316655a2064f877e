import ArgumentParser
import Foundation

/// `starling config containerd`: the containerd configuration that declares starlingd.
struct ConfigCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config",
    abstract: "Print (or install) configuration for the tools Starling plugs into.",
    subcommands: [ContainerdConfigCommand.self]
  )
}

/// Prints the `[proxy_plugins.starling]` snippet; `--write` appends it to containerd's config.
struct ContainerdConfigCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "containerd",
    abstract: "The [proxy_plugins.starling] snippet for containerd's config.toml.",
    discussion: """
      Prints the snippet. With --write it is appended to the config file (default \
      /etc/containerd/config.toml) unless a [proxy_plugins.starling] section is already \
      there; restart containerd afterwards. Then pull with \
      `ctr-remote image rpull --snapshotter starling` (or CRI with snapshotter = "starling") \
      and run with --snapshotter starling.
      """
  )

  @Option(help: "starlingd's socket (its --address).")
  var address = "/run/starling/snapshotter.sock"

  @Flag(help: "Append the snippet to the config file instead of printing it.")
  var write = false

  @Option(help: "containerd's config file, for --write.")
  var file = "/etc/containerd/config.toml"

  var snippet: String {
    """

    # Starling: lazily loaded images (starlingd). Added by `starling config containerd --write`.
    [proxy_plugins.starling]
      type = "snapshot"
      address = "\(address)"

    """
  }

  func run() throws {
    guard write else { return print(snippet, terminator: "") }
    let existing = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    if existing.contains("[proxy_plugins.starling]") {
      print("\(file) already declares [proxy_plugins.starling]; left unchanged")
      return
    }
    guard let handle = FileHandle(forWritingAtPath: file) ?? create(file) else {
      FileHandle.standardError.write(Data("error: cannot write \(file)\n".utf8))
      throw ExitCode.failure
    }
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(snippet.utf8))
    print("added [proxy_plugins.starling] (address \(address)) to \(file); restart containerd to load it")
  }

  private func create(_ path: String) -> FileHandle? {
    try? FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: nil) else { return nil }
    return FileHandle(forWritingAtPath: path)
  }
}
