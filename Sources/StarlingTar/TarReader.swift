/// Streaming reader: `next()` returns the next entry's metadata (PAX/GNU meta-entries are consumed internally,
/// so callers only see real entries); the caller then may call `readContent(into:)` repeatedly to get the entry's
/// logical content (sparse holes expanded to zeros) — unread content is skipped automatically by the next `next()`.
///
/// The archive ends at the first all-zero block (the usual two-block end marker is not required, and whatever
/// follows the first zero block is not read), or at a clean end of input on a block boundary. Duplicate members
/// are all returned in archive order; the later one wins when extracting. Only header data (bounded by
/// `TarLimits`) is buffered; content streams through a 64 KiB buffer or straight into the caller's buffer.
public struct TarReader<Source: TarByteSource> {
  var input: TarInput<Source>
  let limits: TarLimits
  /// Values from PAX global headers, applied to every later member.
  var global = TarExtendedHeader()
  var content = TarContent()
  var currentPath: String?
  var failure: TarError?
  var ended = false

  /// A reader of the tar stream in `source`.
  public init(source: Source, limits: TarLimits = TarLimits()) {
    self.input = TarInput(source: source)
    self.limits = limits
  }

  /// Bytes consumed from the source so far (for error messages).
  public var offset: Int64 { input.offset }

  /// The underlying source; it may have been read ahead of `offset` by up to the 64 KiB buffer.
  public var source: Source { input.source }

  /// The error the source threw, when `next()` or `readContent(into:)` failed with `readFailed`.
  public var sourceError: (any Error)? { input.sourceError }

  /// The next member's metadata, or nil at the end of the archive.
  ///
  /// After an error about one member (see `TarError`) the reader may be called again and skips that member.
  public mutating func next() throws(TarError) -> TarEntry? {
    if let failure { throw failure }
    if ended { return nil }
    let member: TarMember
    do {
      try finishContent()
      guard let read = try readMember() else {
        ended = true
        return nil
      }
      member = read
    } catch {
      failure = error
      throw error
    }
    // From here on the member's data will be skipped by the next call whatever goes wrong below.
    content = TarContent(storedSize: member.carriesData ? member.dataSize : 0)
    currentPath = nil
    do {
      var entry = try makeEntry(member)
      currentPath = entry.path
      if entry.kind == .regular { try prepareContent(member, entry: &entry) }
      return entry
    } catch {
      switch error {
      case .truncated, .readFailed: failure = error
      default: content.readable = false
      }
      throw error
    }
  }

  /// Reads the current entry's logical content; returns 0 at its end (and for entries without content).
  public mutating func readContent(into buffer: UnsafeMutableRawBufferPointer) throws(TarError) -> Int {
    if let failure { throw failure }
    guard content.readable, !buffer.isEmpty, content.position < content.logicalSize else { return 0 }
    do {
      return try content.read(into: buffer, from: &input, path: currentPath)
    } catch {
      failure = error
      throw error
    }
  }

  /// Reads and discards the rest of the source (after the end of the archive, the end marker and any record
  /// padding), so a source that hashes what passes through sees every byte; returns the bytes discarded.
  public mutating func drain() throws(TarError) -> Int64 {
    if let failure { throw failure }
    ended = true
    content = TarContent()
    var total: Int64 = 0
    do {
      while case let skipped = try input.skip(1 << 20), skipped > 0 { total += skipped }
    } catch {
      failure = error
      throw error
    }
    return total
  }

  /// Skips whatever the caller left of the current member's data, and its padding.
  private mutating func finishContent() throws(TarError) {
    let total = content.storedRemaining + content.padding
    content = TarContent()
    guard total > 0 else { return }
    guard try input.skip(total) == total else { throw .truncated(path: currentPath, offset: input.offset) }
  }
}
