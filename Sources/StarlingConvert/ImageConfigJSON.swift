import Foundation
import StarlingFormat

/// An image config as a JSON object, so fields Starling does not model survive the rewrite
/// of `rootfs.diff_ids`.
struct ImageConfigJSON {
  private var object: [String: Any]

  init(bytes: Data) throws {
    guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
      throw ConvertError.invalidImage(reason: "image config is not a JSON object")
    }
    self.object = object
  }

  func diffIDs() throws -> [Digest] {
    guard let rootfs = object["rootfs"] as? [String: Any], let ids = rootfs["diff_ids"] as? [String] else {
      throw ConvertError.invalidImage(reason: "image config has no rootfs.diff_ids")
    }
    return try ids.map { id in
      do {
        return try Digest(parsing: id)
      } catch {
        throw ConvertError.invalidImage(reason: "config diff_id: \(error)")
      }
    }
  }

  mutating func setDiffIDs(_ ids: [Digest]) {
    var rootfs = object["rootfs"] as? [String: Any] ?? ["type": "layers"]
    rootfs["diff_ids"] = ids.map(\.description)
    object["rootfs"] = rootfs
  }

  func encoded() throws -> Data {
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
  }
}
