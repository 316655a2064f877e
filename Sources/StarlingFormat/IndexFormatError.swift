/// Problems with a chunk index or footer, naming the record and what is wrong.
public enum IndexFormatError: Error, Equatable, CustomStringConvertible {
  case truncated(what: String, expected: Int, actual: Int)
  case badMagic(what: String)
  case unsupportedVersion(UInt16)
  case digestMismatch(what: String, expected: Digest, actual: Digest)
  case outOfBounds(record: String, index: Int, field: String)
  case inconsistent(reason: String)
  case notFound(path: String)
  case missingAnnotation(String)

  public var description: String {
    switch self {
    case .truncated(let what, let expected, let actual):
      "truncated \(what): need \(expected) bytes, have \(actual)"
    case .badMagic(let what): "\(what) has the wrong magic: not a Starling layer, or corrupted"
    case .unsupportedVersion(let v): "index format version \(v) is not supported (this build reads version 1)"
    case .digestMismatch(let what, let expected, let actual):
      "\(what) digest mismatch: expected \(expected), content hashes to \(actual)"
    case .outOfBounds(let record, let index, let field):
      "\(record) \(index): field '\(field)' points outside the index"
    case .inconsistent(let reason): "inconsistent index: \(reason)"
    case .notFound(let path): "no entry '\(path)' in the index"
    case .missingAnnotation(let key): "layer descriptor lacks annotation \(key)"
    }
  }
}
