import ArgumentParser
import StarlingCommands

/// `starlingd`: the node daemon (containerd snapshotter, FUSE, peers). For now it only
/// reports its version; the snapshotter lands in a later change.
@main
struct StarlingDaemonMain: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "starlingd",
    abstract: "Starling node daemon: a containerd remote snapshotter that mounts images lazily.",
    discussion: "Not yet functional: this build only prints its version.",
    version: StarlingCommand.configuration.version
  )

  func run() async throws {
    print("starlingd \(StarlingCommand.configuration.version)")
  }
}
