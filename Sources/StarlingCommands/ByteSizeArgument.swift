import ArgumentParser
import StarlingFormat

/// A byte count on the command line: a number with an optional binary suffix
/// (`512`, `64K`, `100MiB`, `10G`, `1.5GiB`).
struct ByteSizeArgument: ExpressibleByArgument, Sendable {
  let bytes: Int64

  init(bytes: Int64) { self.bytes = bytes }

  init?(argument: String) {
    guard let bytes = ByteCount.parse(argument) else { return nil }
    self.bytes = bytes
  }

  var defaultValueDescription: String { ByteCount.format(bytes) }
}
