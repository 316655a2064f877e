extension ChunkFetcher {
  /// Tunables.
  public struct Options: Sendable {
    /// Largest Range request when coalescing adjacent frames.
    public var maxRequestBytes: Int64
    /// Bound on the decoded frames kept in memory; 0 disables the memory cache.
    public var memoryCacheBytes: Int
    /// How long one fetch keeps retrying its sources before it throws `FetchError.unavailable`.
    public var fetchTimeout: Duration
    /// Range requests in flight to the sources at once; more wait their turn.
    public var maxConcurrentRequests: Int
    /// How much of a file `readAhead` fetches, from its start; 0 disables read-ahead.
    public var readAheadBytes: Int64
    /// Read-ahead requests in flight at once.
    public var readAheadConcurrency: Int
    /// First delay after every source failed; it doubles (jittered) up to `maxRetryDelay`.
    public var retryDelay: Duration
    /// Longest delay between rounds of attempts.
    public var maxRetryDelay: Duration
    /// How long a source that failed is skipped while a later one can serve (never the last).
    public var sourceQuarantine: Duration
    /// Once on-demand fetches reach this fraction of the layer's blob, fetch the rest of it
    /// in the background; 0 never does.
    public var denseFraction: Double
    /// ... or once they cover this fraction of the blob range they span (0: never), after
    /// at least `denseMinBytes`.
    public var denseCoverage: Double
    public var denseMinBytes: Int
    /// After an on-demand fetch, how much of the blob right after it to fetch in the
    /// background (files stored next to each other are often read together); 0: none.
    public var neighborBytes: Int

    public init(
      maxRequestBytes: Int64 = 8 << 20, memoryCacheBytes: Int = 32 << 20, fetchTimeout: Duration = .seconds(60),
      maxConcurrentRequests: Int = 8, readAheadBytes: Int64 = 64 << 20, readAheadConcurrency: Int = 2,
      retryDelay: Duration = .milliseconds(50), maxRetryDelay: Duration = .seconds(2),
      sourceQuarantine: Duration = .seconds(10), denseFraction: Double = 0.3, denseCoverage: Double = 0.5,
      denseMinBytes: Int = 4 << 20, neighborBytes: Int = 256 << 10
    ) {
      self.maxRequestBytes = maxRequestBytes
      self.memoryCacheBytes = memoryCacheBytes
      self.fetchTimeout = fetchTimeout
      self.maxConcurrentRequests = maxConcurrentRequests
      self.readAheadBytes = readAheadBytes
      self.readAheadConcurrency = readAheadConcurrency
      self.retryDelay = retryDelay
      self.maxRetryDelay = maxRetryDelay
      self.sourceQuarantine = sourceQuarantine
      self.denseFraction = denseFraction
      self.denseCoverage = denseCoverage
      self.denseMinBytes = denseMinBytes
      self.neighborBytes = neighborBytes
    }
  }
}
