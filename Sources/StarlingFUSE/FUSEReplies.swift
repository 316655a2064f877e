import CFuse3

#if canImport(Glibc)
  import Glibc
#endif

/// Completes one read request, from any thread, exactly once.
public struct FUSEReadReply: @unchecked Sendable {
  // A fuse_req_t stays valid until it is answered; libfuse allows answering from any thread.
  let request: OpaquePointer

  /// Answers with `bytes` (fewer than asked means end of file).
  public func succeed(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
      _ = fuse_reply_buf(request, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
    }
  }

  /// Answers with an errno (EIO for a chunk that could not be fetched in time).
  public func fail(_ errno: Int32) {
    _ = fuse_reply_err(request, errno)
  }
}

/// Collects directory entries for one readdir or readdirplus reply, up to the size the
/// kernel asked for.
public struct FUSEDirectoryBuffer {
  let request: OpaquePointer
  let plus: Bool
  let timeouts: FUSETimeouts
  let capacity: Int
  var storage: UnsafeMutablePointer<CChar>
  var used = 0
  /// Scratch for NUL-terminating names.
  private var name: [CChar] = []

  init(request: OpaquePointer, capacity: Int, plus: Bool, timeouts: FUSETimeouts) {
    self.request = request
    self.capacity = capacity
    self.plus = plus
    self.timeouts = timeouts
    storage = .allocate(capacity: max(capacity, 1))
  }

  /// Appends one entry; false when it does not fit (stop and let the kernel ask again from
  /// `nextOffset` of the last entry that did). `instantiate` false (for "." and "..")
  /// gives the kernel the entry without a lookup reference.
  public mutating func add(
    name bytes: some Collection<UInt8>, attributes: FUSEAttributes, nextOffset: Int64, instantiate: Bool = true
  ) -> Bool {
    name.removeAll(keepingCapacity: true)
    for byte in bytes { name.append(CChar(bitPattern: byte)) }
    name.append(0)
    let remaining = capacity - used
    let needed = name.withUnsafeBufferPointer { cName -> Int in
      if plus {
        var entry = fuse_entry_param()
        entry.attr = attributes.stat
        entry.ino = instantiate ? attributes.inode : 0
        entry.attr_timeout = timeouts.attributes
        entry.entry_timeout = timeouts.entries
        return fuse_add_direntry_plus(request, storage + used, remaining, cName.baseAddress, &entry, off_t(nextOffset))
      }
      var st = attributes.stat
      return fuse_add_direntry(request, storage + used, remaining, cName.baseAddress, &st, off_t(nextOffset))
    }
    guard needed <= remaining else { return false }
    used += needed
    return true
  }

  func reply() {
    _ = fuse_reply_buf(request, storage, used)
    storage.deallocate()
  }

  func discard() { storage.deallocate() }
}

/// How long the kernel may cache entries and attributes. Content is immutable, so long.
public struct FUSETimeouts: Sendable {
  /// Seconds a name → inode lookup stays valid (also for negative lookups).
  public var entries: Double
  /// Seconds attributes stay valid.
  public var attributes: Double
  public init(entries: Double = 86400, attributes: Double = 86400) {
    self.entries = entries
    self.attributes = attributes
  }
}
