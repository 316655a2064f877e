import Foundation
import StarlingConvert
import StarlingFormat

/// Text rendering of `starling inspect`.
enum InspectTable {
  static func render(_ name: String, _ layers: [LayerSummary], files: Bool) -> String {
    var lines = ["\(name)"]
    lines.append(
      "  layer          entries   files  chunks  groups  uncompressed  compressed   index  idx/comp  B/file  dedup")
    for layer in layers {
      let short = String(layer.digest.dropFirst(7).prefix(12))
      guard layer.starling else {
        lines.append(
          "  \(short)  not a Starling layer (\(layer.mediaType)), \(ByteCount.format(layer.compressedBytes))")
        continue
      }
      let index = layer.indexBytes ?? 0
      let ratio = Double(index) / Double(max(layer.compressedBytes, 1)) * 100
      let perFile = Double(index) / Double(max(layer.regularFiles ?? 0, 1))
      lines.append(
        "  \(short)  "
          + [
            pad(layer.entries ?? 0, 7), pad(layer.regularFiles ?? 0, 7), pad(layer.chunkFrames ?? 0, 6),
            pad(layer.groupFrames ?? 0, 6), padS(ByteCount.format(Int64(layer.uncompressedBytes ?? 0)), 12),
            padS(ByteCount.format(layer.compressedBytes), 10), padS(ByteCount.format(Int64(index)), 7),
            padS(String(format: "%.2f%%", ratio), 8), padS(String(format: "%.1f", perFile), 6),
            padS(ByteCount.format(Int64(layer.duplicateBytes ?? 0)), 9),
          ].joined(separator: " "))
      if files, let list = layer.files {
        for file in list {
          let frames = file.frames.map { "frames \($0[0])-\($0[1])" } ?? ""
          let range = file.blobRange.map { "blob \($0[0])-\($0[1])" } ?? ""
          lines.append(
            "      \(file.type.padding(toLength: 8, withPad: " ", startingAt: 0)) \(pad(Int(file.size), 10))  \(file.path)  \(frames) \(range)"
          )
        }
      }
    }
    return lines.joined(separator: "\n")
  }

  private static func pad(_ n: Int, _ width: Int) -> String { padS("\(n)", width) }

  private static func padS(_ s: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - s.count)) + s
  }
}
