import Dispatch

#if canImport(Glibc)
  import Glibc
#endif

/// Waits for one of a set of signals (which stop being fatal while waited for).
public enum SignalWaiter {
  /// The next of `signals` to arrive.
  public static func next(_ signals: [Int32]) async -> Int32 {
    let stream = AsyncStream<Int32> { continuation in
      nonisolated(unsafe) let sources = signals.map { number -> any DispatchSourceSignal in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { continuation.yield(number) }
        source.resume()
        return source
      }
      continuation.onTermination = { _ in sources.forEach { $0.cancel() } }
    }
    for await number in stream { return number }
    return 0
  }
}
