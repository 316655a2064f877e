import ArgumentParser
import Foundation
import StarlingSnapshots

/// `starling status`: what starlingd holds and how each layer was served.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "List starlingd's snapshots and whether each layer was served lazily (and if not, why).",
    discussion: "Reads starlingd's metadata under --root (safe while the daemon runs)."
  )

  @Option(help: "starlingd's --root.")
  var root = "/var/lib/starling"

  @Flag(help: "Print JSON for scripts.")
  var json = false

  func run() throws {
    let path = URL(fileURLWithPath: root).appending(path: "snapshotter")
    guard FileManager.default.fileExists(atPath: path.appending(path: "metadata.db").path) else {
      FileHandle.standardError.write(Data("error: no starlingd metadata under \(path.path) (is --root right?)\n".utf8))
      throw ExitCode.failure
    }
    let infos = try SnapshotStore(root: path.path).list()
    if json {
      let rows = infos.map { info -> [String: String] in
        [
          "name": info.name, "parent": info.parent ?? "", "kind": info.kind.filterName, "outcome": info.outcome ?? "",
          "image": info.lazyImage ?? "", "layer": info.lazyLayerDigest ?? "",
        ]
      }
      let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      return
    }
    // Layers are the committed snapshots; active ones are containers' roots and layers being applied.
    let layers = infos.filter { $0.kind == .committed }
    let lazy = layers.filter { $0.outcome == "lazy" }.count
    let ordinary = layers.count - lazy
    print(
      "\(infos.count) snapshots: \(lazy) lazy layers, \(ordinary) ordinary (reasons below), "
        + "\(infos.filter { $0.kind == .active }.count) active")
    for info in infos {
      let name = info.name.count > 40 ? String(info.name.prefix(40)) + "…" : info.name
      let outcome = info.outcome.map { $0 == "lazy" ? "lazy \(info.lazyImage ?? "")" : $0 } ?? "-"
      print(
        "\(name.padding(toLength: 42, withPad: " ", startingAt: 0)) \(info.kind.filterName.padding(toLength: 10, withPad: " ", startingAt: 0)) \(outcome)"
      )
    }
  }
}
