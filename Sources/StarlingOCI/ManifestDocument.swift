public import Foundation
import StarlingFormat

/// A manifest or index as fetched: its exact bytes plus what they parse to.
///
/// The digest of a manifest covers its exact bytes, so copies move `bytes` untouched and
/// never re-encode `content`.
public struct ManifestDocument: Sendable, Equatable {
  /// The exact bytes.
  public let bytes: Data
  /// Describes `bytes` (media type, digest, size).
  public let descriptor: Descriptor
  /// The decoded document.
  public let content: Content

  /// The two kinds of document a manifest reference can resolve to.
  public enum Content: Sendable, Equatable {
    case manifest(Manifest)
    case index(ImageIndex)
  }

  /// Decodes `bytes`, taking the media type from the transport (Content-Type) when given,
  /// else from the document's own `mediaType` field, else from its shape.
  ///
  /// Throws for unknown media types, malformed JSON, and when `expected` does not match.
  public init(bytes: Data, mediaType transportType: String? = nil, expected: Descriptor? = nil) throws(OCIError) {
    if let expected { try expected.verify(bytes) }
    let probe: Probe
    do {
      probe = try JSONDecoder().decode(Probe.self, from: bytes)
    } catch {
      throw .malformedManifest(reason: "not a JSON manifest: \(error)")
    }
    let declared = probe.mediaType ?? Self.cleanType(transportType) ?? expected?.mediaType
    let mediaType: String
    if let declared, !declared.isEmpty, declared != "application/json",
      declared != "text/plain", declared != "application/octet-stream"
    {
      mediaType = declared
    } else if probe.manifests != nil {
      mediaType = MediaType.ociIndex
    } else if probe.config != nil {
      mediaType = MediaType.ociManifest
    } else {
      throw .malformedManifest(reason: "document has neither 'manifests' nor 'config'")
    }
    if probe.schemaVersion == 1 || mediaType.hasPrefix("application/vnd.docker.distribution.manifest.v1") {
      throw .unsupportedMediaType(
        mediaType, context: "Docker schema 1 manifests are deprecated; re-push the image with a current client")
    }
    do {
      if MediaType.indexes.contains(mediaType) {
        content = .index(try JSONDecoder().decode(ImageIndex.self, from: bytes))
      } else if MediaType.manifests.contains(mediaType) {
        let manifest = try JSONDecoder().decode(Manifest.self, from: bytes)
        content = .manifest(manifest)
      } else {
        throw OCIError.unsupportedMediaType(mediaType, context: "expected an OCI or Docker manifest or index")
      }
    } catch let error as OCIError {
      throw error
    } catch {
      throw .malformedManifest(reason: "\(mediaType): \(Self.describe(error))")
    }
    guard probe.schemaVersion == 2 else {
      throw .malformedManifest(
        reason: "schemaVersion is \(probe.schemaVersion.map(String.init) ?? "missing"), expected 2")
    }
    var descriptor = expected ?? Descriptor(mediaType: mediaType, bytes: bytes)
    descriptor.mediaType = mediaType
    self.descriptor = descriptor
    self.bytes = bytes
    if case .manifest(let m) = content { try Self.validate(m) }
  }

  /// Encodes a document Starling creates itself (sorted keys, so the same input gives the same digest).
  public static func encoding(_ manifest: Manifest) throws -> ManifestDocument {
    let bytes = try canonicalEncoder.encode(manifest)
    return try ManifestDocument(bytes: bytes, mediaType: manifest.mediaType ?? MediaType.ociManifest)
  }

  /// Encodes an index Starling creates itself.
  public static func encoding(_ index: ImageIndex) throws -> ManifestDocument {
    let bytes = try canonicalEncoder.encode(index)
    return try ManifestDocument(bytes: bytes, mediaType: index.mediaType ?? MediaType.ociIndex)
  }

  /// The encoder for JSON that Starling writes.
  public static var canonicalEncoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

  private static func validate(_ manifest: Manifest) throws(OCIError) {
    guard manifest.isImage else { return }  // artifacts may carry any layer type
    for layer in manifest.layers where MediaType.layerCompression(layer.mediaType) == nil {
      throw .unsupportedMediaType(
        layer.mediaType, context: "layer \(layer.digest) is not a known OCI or Docker layer type")
    }
  }

  private static func cleanType(_ type: String?) -> String? {
    type?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
  }

  private static func describe(_ error: any Error) -> String {
    if case DecodingError.keyNotFound(let key, let ctx) = error {
      return "missing field '\((ctx.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))'"
    }
    if case DecodingError.typeMismatch(_, let ctx) = error {
      return "wrong type at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': \(ctx.debugDescription)"
    }
    if case DecodingError.dataCorrupted(let ctx) = error {
      return "invalid value at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': \(ctx.debugDescription)"
    }
    return "\(error)"
  }

  private struct Probe: Decodable {
    var schemaVersion: Int?
    var mediaType: String?
    var manifests: [AnyJSON]?
    var config: AnyJSON?
  }

  private struct AnyJSON: Decodable {
    init(from decoder: any Decoder) throws {}
  }
}
