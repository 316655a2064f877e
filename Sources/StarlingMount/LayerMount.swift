import Foundation
public import Logging
public import StarlingCache
public import StarlingConvert
public import StarlingFS
public import StarlingFUSE
public import StarlingFetch
import StarlingFormat
public import StarlingOCI

/// One lazily served layer: its fetcher, filesystem and FUSE session.
public final class LayerMount: Sendable {
  public let layer: Descriptor
  public let fetcher: ChunkFetcher
  public let session: FUSESession
  /// Compressed index bytes read to mount it.
  public let indexBytes: Int

  init(layer: Descriptor, fetcher: ChunkFetcher, session: FUSESession, indexBytes: Int) {
    self.layer = layer
    self.fetcher = fetcher
    self.session = session
    self.indexBytes = indexBytes
  }

  /// Serves the layer `reader` opened (its index) at `path` (created if needed): a fetcher
  /// over `store` and `sources`, the layer filesystem, a started FUSE session.
  public static func mount(
    _ reader: StarlingLayerReader, at path: String, store: any ChunkStore, sources: [any ChunkSource],
    options: ImageMount.Options, trace: AccessTrace?, logger: Logger
  ) throws -> LayerMount {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let fetcher = ChunkFetcher(
      layer: reader.layer, index: reader.index, store: store, sources: sources, options: options.fetch)
    let digest = reader.layer.digest
    let filesystem = LayerFilesystem(fetcher: fetcher, trace: trace, options: options.filesystem) { path, error in
      logger.error("read failed", metadata: ["layer": "\(digest.short)", "path": "\(path)", "error": "\(error)"])
    }
    var fuse = options.fuse
    fuse.fsName = "starling:\(digest.short)"
    let session = try FUSESession(mountpoint: path, operations: filesystem, options: fuse)
    let mount = LayerMount(layer: reader.layer, fetcher: fetcher, session: session, indexBytes: reader.bytesFetched)
    do {
      try session.start()
    } catch {
      try? session.unmount()
      throw error
    }
    ImageMount.raiseReadahead(path, kilobytes: Int(options.fuse.maxReadahead / 1024), logger: logger)
    return mount
  }

  /// Unmounts (detached, so it completes once nothing uses it) and waits up to `grace`
  /// for the workers; aborts the connection if they are still busy, so the process can
  /// always exit. True if it stopped without an abort.
  @discardableResult
  public func stop(grace: Duration = .seconds(5)) async -> Bool {
    await fetcher.cancelReadAhead()
    try? session.unmount()
    let clean = await session.stopped(within: grace)
    if !clean {
      session.abort()
      _ = await session.stopped(within: .seconds(5))
    }
    return clean
  }
}
