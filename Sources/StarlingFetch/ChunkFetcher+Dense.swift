import StarlingFormat
import StarlingOCI

extension ChunkFetcher {
  /// Books an on-demand batch that fetched `bytes` for `frames`. Reads are dense — a workload
  /// reading most of the layer, lazy loading's worst case — when on-demand fetches cover
  /// most of the part of the blob they span (`denseCoverage`, once past `denseMinBytes`), or
  /// add up to `denseFraction` of the blob. Then the rest of the blob is fetched in the
  /// background, in large requests in blob order, instead of frame by frame as the reader
  /// gets to it; readers that reach a frame already on its way join that batch.
  func noteDemandFetch(frames: [UInt32], bytes: Int) {
    guard !wholeLayerQueued, options.readAheadConcurrency > 0, layer.size > 0 else { return }
    demandBytes += bytes
    for i in frames {
      guard let frame = try? index.frame(i) else { continue }
      let end = frame.blobOffset + UInt64(frame.compressedSize)
      demandSpan =
        demandSpan.map { min($0.lowerBound, frame.blobOffset)..<max($0.upperBound, end) }
        ?? frame.blobOffset..<end
    }
    let fetched = Double(demandBytes)
    let byFraction = options.denseFraction > 0 && fetched >= options.denseFraction * Double(layer.size)
    let span = Double(demandSpan.map { $0.upperBound - $0.lowerBound } ?? 0)
    let byCoverage =
      options.denseCoverage > 0 && demandBytes >= options.denseMinBytes && span > 0
      && fetched >= options.denseCoverage * span
    guard byFraction || byCoverage else {
      fetchNeighbors(after: frames)
      return
    }
    wholeLayerQueued = true
    stats.wholeLayerFetches = 1
    var switched = FetchStats()
    switched.wholeLayerFetches = 1
    FetchMetrics.record(switched)
    var rest: [(UInt32, FrameRecord)] = []
    for i in 0..<index.frameCount {
      guard let frame = try? index.frame(i) else { return }
      if frame.canonical == i, !memory.contains(i), inflight[i] == nil { rest.append((i, frame)) }
    }
    // From where the reader is, then wrapping around: what it reads next comes first.
    let position = demandSpan?.upperBound ?? 0
    readAheadQueue += Self.runs(of: rest.filter { $0.1.blobOffset >= position }, maxBytes: options.maxRequestBytes)
    readAheadQueue += Self.runs(of: rest.filter { $0.1.blobOffset < position }, maxBytes: options.maxRequestBytes)
    pumpReadAhead()
  }

  /// Files that are read together are stored together: after an on-demand fetch, the next
  /// `neighborBytes` of the blob are fetched in the background (one request), so a reader
  /// walking a directory finds its next files already here instead of waiting a round trip.
  private func fetchNeighbors(after frames: [UInt32]) {
    guard options.neighborBytes > 0, let last = frames.max(), let lastFrame = try? index.frame(last) else { return }
    let limit = lastFrame.blobOffset + UInt64(lastFrame.compressedSize) + UInt64(options.neighborBytes)
    var next: [(UInt32, FrameRecord)] = []
    var i = last + 1
    while i < index.frameCount, let frame = try? index.frame(i), frame.blobOffset < limit {
      if frame.canonical == i, !memory.contains(i), inflight[i] == nil { next.append((i, frame)) }
      i += 1
    }
    guard !next.isEmpty else { return }
    readAheadQueue += Self.runs(of: next, maxBytes: options.maxRequestBytes)
    pumpReadAhead()
  }

  /// Whether this layer switched to fetching its whole blob.
  public var fetchesWholeLayer: Bool { wholeLayerQueued }
}
