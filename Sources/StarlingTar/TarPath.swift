/// Path normalization used by the reader, public for other targets.
public enum TarPath {
  /// Normalizes a member path: strips leading "/" and "./", drops empty and "." components, resolves ".."
  /// lexically, and removes any trailing "/". The root itself normalizes to "".
  ///
  /// Components are split on the byte "/" (not on `Character`, which would merge "/" with a following
  /// combining mark). Throws `unsafePath` when ".." would climb above the root or the path contains NUL.
  public static func normalize(_ raw: String) throws(TarError) -> String {
    let bytes = raw.utf8
    if bytes.contains(0) { throw .unsafePath(path: raw, reason: "it contains a NUL byte") }
    if isNormalized(bytes) { return raw }
    var components: [Substring.UTF8View] = []
    for component in Substring(raw).utf8.split(separator: slash) {
      if component.elementsEqual(dot) { continue }
      if component.elementsEqual(dotDot) {
        guard components.popLast() != nil else {
          throw .unsafePath(path: raw, reason: "\"..\" climbs above the archive root")
        }
        continue
      }
      components.append(component)
    }
    var result = ""
    result.reserveCapacity(bytes.count)
    for (index, component) in components.enumerated() {
      if index > 0 { result += "/" }
      result += Substring(component)
    }
    return result
  }

  private static let slash = UInt8(ascii: "/")
  private static let dot = ".".utf8
  private static let dotDot = "..".utf8

  /// Fast path: most member names are already normal, so avoid rebuilding them.
  private static func isNormalized(_ bytes: String.UTF8View) -> Bool {
    var componentLength = 0
    var dots = 0
    for byte in bytes {
      if byte == slash {
        // An empty, "." or ".." component (this also rejects a leading "/").
        if componentLength == 0 || (componentLength == dots && dots <= 2) { return false }
        componentLength = 0
        dots = 0
      } else {
        componentLength += 1
        if byte == UInt8(ascii: "."), dots == componentLength - 1 { dots += 1 }
      }
    }
    // A trailing "/" leaves an empty last component; "" (the root) is already normal.
    return bytes.isEmpty || (componentLength > 0 && !(componentLength == dots && dots <= 2))
  }
}
