public import StarlingFormat
public import StarlingTar

/// Conversion failures, naming the layer and entry involved.
public enum ConvertError: Error, CustomStringConvertible {
  case tar(layer: String, underlying: TarError)
  case decompress(layer: String, reason: String)
  case unsupportedEntry(layer: String, path: String, reason: String)
  case index(layer: String, underlying: IndexFormatError)
  case io(path: String, reason: String)
  case invalidImage(reason: String)

  public var description: String {
    switch self {
    case .tar(let layer, let error): "layer \(layer): \(error.description)"
    case .decompress(let layer, let reason): "layer \(layer): cannot decompress: \(reason)"
    case .unsupportedEntry(let layer, let path, let reason): "layer \(layer): entry '\(path)': \(reason)"
    case .index(let layer, let error): "layer \(layer): \(error.description)"
    case .io(let path, let reason): "\(path): \(reason)"
    case .invalidImage(let reason): "cannot convert image: \(reason)"
    }
  }
}
