import Foundation
public import Logging
public import StarlingCache
import StarlingConvert
public import StarlingFS
public import StarlingFUSE
public import StarlingFetch
import StarlingFormat
public import StarlingOCI
import StarlingSystem

/// An image mounted lazily: one FUSE mount per layer, stacked with overlayfs at the mount
/// point. Mounting reads only each layer's index; file content is fetched on access.
public final class ImageMount: Sendable {
  /// Tunables of a mount.
  public struct Options: Sendable {
    public var fetch = ChunkFetcher.Options()
    public var filesystem = LayerFilesystem.Options()
    public var fuse = FUSESession.Options()
    /// Give the mount an upper dir (writes go there, discarded at unmount).
    public var writable = false
    /// Write the access trace (JSON lines) here.
    public var tracePath: String?
    public init() {}
  }

  public let directory: MountDirectory
  public let layers: [LayerMount]
  private let sink: TraceSink?

  init(directory: MountDirectory, layers: [LayerMount], sink: TraceSink?) {
    self.directory = directory
    self.layers = layers
    self.sink = sink
  }

  /// Mounts `manifest`'s layers, read through `reader` and cached in `store`, at
  /// `directory.mountpoint`. On failure everything already mounted is undone. `guardian`
  /// (if any) learns every mount point as soon as it exists.
  public static func mount(
    image: String, manifest: Manifest, reader: any BlobRangeReader, store: any ChunkStore,
    directory: MountDirectory, options: Options, guardian: MountGuardClient?, logger: Logger
  ) async throws -> ImageMount {
    guard !manifest.layers.isEmpty else { throw MountError.noLayers(image: image) }
    for (n, layer) in manifest.layers.enumerated() where !ImageConverter.isStarlingLayer(layer) {
      throw MountError.notConverted(image: image, layer: n, mediaType: layer.mediaType)
    }
    let target = directory.mountpoint
    guard !MountTable.isMounted(target) else { throw MountError.alreadyMounted(path: target) }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw MountError.badMountpoint(path: target, reason: "no such directory")
    }
    let start = ContinuousClock.now
    let sink = try options.tracePath.map { try TraceSink(path: $0) }
    // Indexes in parallel: mount time is one round trip per layer, overlapped.
    let readers = try await withThrowingTaskGroup(of: (Int, StarlingLayerReader).self) { group in
      for (n, layer) in manifest.layers.enumerated() {
        group.addTask { (n, try await StarlingLayerReader(source: reader, layer: layer)) }
      }
      var result: [StarlingLayerReader?] = Array(repeating: nil, count: manifest.layers.count)
      for try await (n, r) in group { result[n] = r }
      return result.compactMap { $0 }
    }
    let source = RangeReaderChunkSource(name: "registry", reader: reader)
    var layers: [LayerMount] = []
    do {
      for (n, layerReader) in readers.enumerated() {
        let path = directory.layer(n)
        guardian?.watch(mount: path)
        let trace = sink.map {
          AccessTrace(index: layerReader.index, layer: layerReader.layer.digest.description, sink: $0, start: start)
        }
        layers.append(
          try LayerMount.mount(
            layerReader, at: path, store: store, sources: [source], options: options, trace: trace, logger: logger))
      }
      var writable: (upper: String, work: String)?
      if options.writable {
        for dir in [directory.upper, directory.work] {
          try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        writable = (directory.upper, directory.work)
      }
      guardian?.watch(mount: target)
      try OverlayMount.mount(layers: layers.map(\.session.mountpoint), at: target, writable: writable)
    } catch {
      await stop(layers, grace: .seconds(1))
      sink?.close()
      throw error
    }
    return ImageMount(directory: directory, layers: layers, sink: sink)
  }

  /// Stops layers concurrently, sharing one grace period.
  static func stop(_ layers: [LayerMount], grace: Duration) async {
    await withTaskGroup(of: Void.self) { group in
      for layer in layers { group.addTask { await layer.stop(grace: grace) } }
    }
  }

  /// The kernel starts FUSE mounts with 128 KiB read-ahead whatever INIT asked for; a
  /// larger window means fewer, larger reads of big files. Best effort.
  static func raiseReadahead(_ path: String, kilobytes: Int, logger: Logger) {
    guard let device = Syscall.device(of: path) else { return }
    let major = (device >> 8) & 0xfff
    let minor = (device & 0xff) | ((device >> 12) & 0xfff_ff00)
    let file = "/sys/class/bdi/\(major):\(minor)/read_ahead_kb"
    do { try "\(kilobytes)".write(toFile: file, atomically: false, encoding: .utf8) } catch {
      logger.debug("could not raise read-ahead", metadata: ["file": "\(file)", "error": "\(error)"])
    }
  }

  /// Fetch counters summed over the layers.
  public func statistics() async -> FetchStats {
    var total = FetchStats()
    for layer in layers { total.add(await layer.fetcher.statistics) }
    return total
  }

  /// Mount points of the layers, bottom first.
  public var layerMountpoints: [String] { layers.map(\.session.mountpoint) }

  /// Compressed index bytes read to mount.
  public var indexBytes: Int { layers.reduce(0) { $0 + $1.indexBytes } }

  /// Unmounts the overlay (detached if `force`; otherwise fails when busy), then the layers.
  public func unmount(force: Bool, guardian: MountGuardClient?) async throws {
    let target = directory.mountpoint
    try OverlayMount.unmount(target, force: force)
    guardian?.unmounted(target)
    // All at once: a detached overlay still in use pins every layer, so stopping them one
    // by one would wait out the grace period once per layer.
    await Self.stop(layers, grace: .seconds(5))
    for layer in layers { guardian?.unmounted(layer.session.mountpoint) }
    sink?.close()
  }
}
