public import Foundation

/// A content digest as used by OCI (`algorithm:hex`); only sha256 is produced or verified.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The algorithm name, e.g. `sha256`.
  public let algorithm: String
  /// The lowercase hex encoding of the hash.
  public let encoded: String

  /// Parses `sha256:<64 hex>`; other algorithms are accepted only if well formed.
  public init(parsing string: String) throws(DigestError) {
    guard let colon = string.firstIndex(of: ":") else { throw .malformed(string) }
    let algorithm = String(string[..<colon])
    let encoded = String(string[string.index(after: colon)...])
    guard !algorithm.isEmpty,
      algorithm.allSatisfy({ $0.isLowercase || $0.isNumber || "+._-".contains($0) })
    else { throw .malformed(string) }
    switch algorithm {
    case "sha256":
      guard encoded.count == 64, encoded.allSatisfy(\.isLowercaseHexDigit) else {
        throw .malformed(string)
      }
    case "sha512":
      guard encoded.count == 128, encoded.allSatisfy(\.isLowercaseHexDigit) else {
        throw .malformed(string)
      }
    default:
      throw .unsupportedAlgorithm(algorithm)
    }
    self.algorithm = algorithm
    self.encoded = encoded
  }

  /// Creates a sha256 digest from raw hash bytes.
  public init(sha256 bytes: some Sequence<UInt8>) {
    self.algorithm = "sha256"
    let hex = Array("0123456789abcdef".utf8)
    var chars: [UInt8] = []
    chars.reserveCapacity(64)
    for byte in bytes {
      chars.append(hex[Int(byte >> 4)])
      chars.append(hex[Int(byte & 0x0F)])
    }
    self.encoded = String(decoding: chars, as: UTF8.self)
  }

  /// Computes the sha256 digest of `data`.
  public static func sha256(of data: some DataProtocol) -> Digest {
    var hasher = DigestHasher()
    hasher.update(data)
    return hasher.finalize()
  }

  public var description: String { "\(algorithm):\(encoded)" }

  /// A short form for logs and progress lines (`sha256:0123456789ab`).
  public var short: String { "\(algorithm):\(encoded.prefix(12))" }

  public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }
}

extension Digest: Codable {
  public init(from decoder: any Decoder) throws {
    let string = try decoder.singleValueContainer().decode(String.self)
    self = try Digest(parsing: string)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}

/// Why a string is not a usable digest.
public enum DigestError: Error, Equatable, CustomStringConvertible {
  case malformed(String)
  case unsupportedAlgorithm(String)

  public var description: String {
    switch self {
    case .malformed(let s): "malformed digest '\(s)': expected sha256:<64 lowercase hex digits>"
    case .unsupportedAlgorithm(let a): "unsupported digest algorithm '\(a)': only sha256 and sha512 are known"
    }
  }
}

extension Character {
  fileprivate var isLowercaseHexDigit: Bool {
    isASCII && (isNumber || ("a"..."f").contains(self))
  }
}
