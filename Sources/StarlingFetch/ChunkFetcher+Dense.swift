import StarlingFormat
import StarlingOCI

extension ChunkFetcher {
  /// Books an on-demand batch: once on-demand fetches of this layer add up to
  /// `denseFraction` of its blob, reads are dense (a workload reading most of the layer,
  /// lazy loading's worst case) and the rest of the blob is fetched in the background, in
  /// large requests in blob order, instead of frame by frame as the reader gets to it.
  /// Readers that reach a frame already on its way join that batch (and raise its priority).
  func noteDemandFetch(bytes: Int) {
    guard !wholeLayerQueued, options.denseFraction > 0, options.readAheadConcurrency > 0, layer.size > 0 else {
      return
    }
    demandBytes += bytes
    guard Double(demandBytes) >= options.denseFraction * Double(layer.size) else { return }
    wholeLayerQueued = true
    var frames: [(UInt32, FrameRecord)] = []
    for i in 0..<index.frameCount {
      guard let frame = try? index.frame(i) else { return }
      if frame.canonical == i, !memory.contains(i), inflight[i] == nil { frames.append((i, frame)) }
    }
    readAheadQueue += Self.runs(of: frames, maxBytes: options.maxRequestBytes)
    pumpReadAhead()
  }

  /// Whether this layer switched to fetching its whole blob.
  public var fetchesWholeLayer: Bool { wholeLayerQueued }
}
