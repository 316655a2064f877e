import AsyncHTTPClient
import Foundation
import StarlingOCI
import StarlingRegistry

/// Opens an `ImageLocation` as a source/destination; one place for every command.
struct ImageEndpoint {
  let source: any ImageSource
  let destination: any ImageDestination
  let rangeReader: any BlobRangeReader

  init(_ location: ImageLocation, http: HTTPClient, config: RegistryConfiguration, create: Bool, chunkSize: Int? = nil)
    throws
  {
    switch location {
    case .registry(let ref):
      let image = RegistryImage(
        client: RegistryClient(registry: ref.registry, http: http, configuration: config), reference: ref,
        chunkSize: chunkSize)
      (source, destination, rangeReader) = (image, image, image)
    case .layout(let path, let tag):
      let image = try LayoutImage(path: URL(fileURLWithPath: path), tag: tag, create: create)
      (source, destination, rangeReader) = (image, image, image)
    }
  }
}
