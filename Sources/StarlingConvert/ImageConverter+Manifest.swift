import Foundation
import StarlingCompression
import StarlingFormat
import StarlingOCI

/// Layers converted so far in this run, so shared layers are converted once.
struct ConversionState {
  var converted: [Digest: (descriptor: Descriptor, diffID: Digest)] = [:]
  var reports: [ImageConverter.LayerReport] = []
}

extension ImageConverter {
  func convertManifest(
    _ manifest: Manifest, of document: ManifestDocument, _ source: some ImageSource,
    _ destination: some ImageDestination, _ state: inout ConversionState, _ observer: (any ConversionObserver)?
  ) async throws -> ManifestDocument {
    guard manifest.isImage else {
      throw ConvertError.invalidImage(reason: "manifest \(document.descriptor.digest) is an artifact, not an image")
    }
    let configBytes = try await source.withBlobFile(manifest.config, staging: workDirectory, progress: { _ in }) {
      try Data(contentsOf: $0)
    }
    var config = try ImageConfigJSON(bytes: configBytes)
    let diffIDs = try config.diffIDs()
    guard diffIDs.count == manifest.layers.count else {
      throw ConvertError.invalidImage(
        reason: "config lists \(diffIDs.count) diff_ids for \(manifest.layers.count) layers")
    }
    var layers: [Descriptor] = []
    var newDiffIDs: [Digest] = []
    for (layer, diffID) in zip(manifest.layers, diffIDs) {
      if Self.isStarlingLayer(layer) {
        layers.append(layer)
        newDiffIDs.append(diffID)
        continue
      }
      if let done = state.converted[layer.digest] {
        layers.append(done.descriptor)
        newDiffIDs.append(done.diffID)
        continue
      }
      guard let compression = MediaType.layerCompression(layer.mediaType) else {
        throw OCIError.unsupportedMediaType(layer.mediaType, context: "layer \(layer.digest) cannot be converted")
      }
      observer?.layerStarted(layer)
      let started = ContinuousClock.now
      let output = workDirectory.appending(path: "\(layer.digest.encoded).starling.zst")
      defer { try? FileManager.default.removeItem(at: output) }
      let converter = LayerConverter(options: options)
      let result = try await source.withBlobFile(layer, staging: workDirectory, progress: { _ in }) { input in
        try await runDetached {
          try converter.convert(
            input: input, compression: compression, output: output, name: layer.digest.short, source: layer.digest)
        }
      }
      try await destination.putBlob(result.descriptor, file: output, progress: { _ in })
      state.converted[layer.digest] = (result.descriptor, result.diffID)
      let report = LayerReport(
        source: layer, converted: result.descriptor, diffID: result.diffID, stats: result.stats,
        seconds: (ContinuousClock.now - started).seconds)
      state.reports.append(report)
      observer?.layerFinished(report)
      layers.append(result.descriptor)
      newDiffIDs.append(result.diffID)
    }
    config.setDiffIDs(newDiffIDs)
    let newConfig = try config.encoded()
    let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, bytes: newConfig)
    if try await !destination.hasBlob(configDescriptor) {
      let file = workDirectory.appending(path: "config-\(configDescriptor.digest.encoded).json")
      try newConfig.write(to: file)
      defer { try? FileManager.default.removeItem(at: file) }
      try await destination.putBlob(configDescriptor, file: file, progress: { _ in })
    }
    var annotations = manifest.annotations ?? [:]
    annotations["dev.starling.converted-from"] = document.descriptor.digest.description
    return try ManifestDocument.encoding(
      Manifest(mediaType: MediaType.ociManifest, config: configDescriptor, layers: layers, annotations: annotations))
  }
}

/// Runs blocking work on a thread of its own, off Swift's cooperative pool.
func runDetached<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    let thread = Thread {
      continuation.resume(with: Result { try body() })
    }
    thread.stackSize = 4 << 20
    thread.start()
  }
}
