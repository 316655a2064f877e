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
    // Convert the layers this run has not seen, two at a time: decompressing and parsing a
    // source layer is sequential, so a second layer keeps the other core busy.
    var pending: [Descriptor] = []
    for layer in manifest.layers where !Self.isStarlingLayer(layer) && state.converted[layer.digest] == nil {
      guard MediaType.layerCompression(layer.mediaType) != nil else {
        throw OCIError.unsupportedMediaType(layer.mediaType, context: "layer \(layer.digest) cannot be converted")
      }
      if !pending.contains(where: { $0.digest == layer.digest }) { pending.append(layer) }
    }
    let reports = try await withThrowingTaskGroup(of: LayerReport.self) { group in
      var queue = pending[...]
      var done: [LayerReport] = []
      for _ in 0..<max(1, options.layerConcurrency) {
        guard let layer = queue.popFirst() else { break }
        group.addTask { try await convertLayer(layer, source, destination, observer) }
      }
      while let report = try await group.next() {
        done.append(report)
        if let layer = queue.popFirst() {
          group.addTask { try await convertLayer(layer, source, destination, observer) }
        }
      }
      return done
    }
    for report in reports {
      state.converted[report.source.digest] = (report.converted, report.diffID)
      state.reports.append(report)
    }
    var layers: [Descriptor] = []
    var newDiffIDs: [Digest] = []
    for (layer, diffID) in zip(manifest.layers, diffIDs) {
      if let done = state.converted[layer.digest] {
        layers.append(done.descriptor)
        newDiffIDs.append(done.diffID)
      } else {
        layers.append(layer)
        newDiffIDs.append(diffID)
      }
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

extension ImageConverter {
  /// Converts one layer into the work directory and stores the result at the destination.
  func convertLayer(
    _ layer: Descriptor, _ source: some ImageSource, _ destination: some ImageDestination,
    _ observer: (any ConversionObserver)?
  ) async throws -> LayerReport {
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
    let report = LayerReport(
      source: layer, converted: result.descriptor, diffID: result.diffID, stats: result.stats,
      seconds: (ContinuousClock.now - started).seconds)
    observer?.layerFinished(report)
    return report
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
