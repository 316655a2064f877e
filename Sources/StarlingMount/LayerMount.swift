import Foundation
public import StarlingFUSE
public import StarlingFetch
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
