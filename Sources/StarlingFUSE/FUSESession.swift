import CFuse3
import Foundation
public import StarlingSystem

#if canImport(Glibc)
  import Glibc
#endif

/// One FUSE mount served by a `FUSEOperations` filesystem: owns the libfuse session, its
/// /dev/fuse descriptor and the worker threads.
///
/// Survival: the first request (FUSE_INIT) is received separately and its raw bytes kept
/// (`initRequest`), one descriptor is shared by all workers (no clone_fd) and libfuse's
/// auto_unmount is never used, so a later process can take the connection over. Cleanup
/// after a crash is the mount guard's job, not the kernel's.
public final class FUSESession: @unchecked Sendable {
  /// How the session is mounted and tuned.
  public struct Options: Sendable {
    /// Shown as the source in mount tables (`fsname=`).
    public var fsName = "starling"
    /// Filesystem subtype: the type reads `fuse.<subtype>`.
    public var subtype = "starling"
    /// Worker threads reading requests (replies to reads are asynchronous anyway).
    public var threads = 4
    public var timeouts = FUSETimeouts()
    /// Kernel read-ahead asked for at INIT (the kernel may grant less; the mount raises
    /// the device's window to this afterwards). 8 MiB keeps several 1 MiB reads in flight,
    /// so frames decode on both cores: warm sequential reads measured 455 → 628 MB/s.
    public var maxReadahead: UInt32 = 8 << 20
    /// Outstanding background requests (read-ahead) the kernel may queue.
    public var maxBackground: UInt32 = 64
    /// Let other users (containers run as non-root) read the mount; the kernel checks modes.
    public var allowOther = true
    public init() {}

    var arguments: [String] {
      var options = ["ro", "default_permissions", "fsname=\(fsName)", "subtype=\(subtype)"]
      if allowOther { options.append("allow_other") }
      return ["starling", "-o", options.joined(separator: ",")]
    }
  }

  /// Where the filesystem is mounted.
  public let mountpoint: String
  /// The kernel's FUSE_INIT request as received, kept for a successor to replay.
  public private(set) var initRequest: [UInt8] = []
  private let session: OpaquePointer
  private let context: Unmanaged<FUSEContext>
  private let workersDone = DispatchGroup()
  private var started = false
  /// The kernel's id of this FUSE connection, if the mount could be stat'ed.
  public private(set) var connection: UInt32?

  /// Creates the session and mounts it at `mountpoint`; call `start` to serve.
  public init(mountpoint: String, operations: any FUSEOperations, options: Options = Options()) throws(SystemError) {
    self.mountpoint = mountpoint
    let context = Unmanaged.passRetained(FUSEContext(operations: operations, options: options))
    var cArguments = options.arguments.map { strdup($0) }
    defer { cArguments.forEach { free($0) } }
    var ops = makeOperationTable()
    let created = cArguments.withUnsafeMutableBufferPointer { argv -> OpaquePointer? in
      var args = fuse_args(argc: Int32(argv.count), argv: argv.baseAddress, allocated: 0)
      return fuse_session_new(&args, &ops, MemoryLayout<fuse_lowlevel_ops>.size, context.toOpaque())
    }
    guard let created else {
      context.release()
      throw SystemError(call: "fuse_session_new", subject: mountpoint, errno: EINVAL)
    }
    guard fuse_session_mount(created, mountpoint) == 0 else {
      fuse_session_destroy(created)
      context.release()
      throw SystemError(call: "fuse_session_mount", subject: mountpoint, errno: EIO)
    }
    self.session = created
    self.context = context
    // The connection's name under /sys/fs/fuse/connections is its device minor. Read from
    // the mount table: a stat would wait for the INIT this thread has not answered yet.
    connection = MountTable.current().last { $0.mountpoint == mountpoint }?.device.split(separator: ":").last
      .flatMap { UInt32($0) }
  }

  deinit {
    fuse_session_destroy(session)
    context.release()
  }

  /// The /dev/fuse descriptor (for a holder process that keeps the connection alive).
  public var fileDescriptor: Int32 { fuse_session_fd(session) }

  /// Answers FUSE_INIT (keeping its bytes), then serves requests on `threads` workers until
  /// the filesystem is unmounted.
  public func start() throws(SystemError) {
    precondition(!started, "FUSESession.start called twice")
    started = true
    var buffer = fuse_buf()
    defer { free(buffer.mem) }
    var received: Int32
    repeat { received = fuse_session_receive_buf(session, &buffer) } while received == -EINTR
    guard received > 0 else { throw SystemError(call: "read /dev/fuse (INIT)", subject: mountpoint, errno: -received) }
    initRequest = Array(UnsafeRawBufferPointer(start: buffer.mem, count: Int(received)))
    fuse_session_process_buf(session, &buffer)
    let threads = max(1, context.takeUnretainedValue().options.threads)
    for n in 0..<threads {
      workersDone.enter()
      let thread = Thread { [self] in
        serve()
        workersDone.leave()
      }
      thread.name = "fuse-\(n)"
      thread.stackSize = 1 << 20
      thread.start()
    }
  }

  private func serve() {
    var buffer = fuse_buf()
    defer { free(buffer.mem) }
    while fuse_session_exited(session) == 0 {
      let received = fuse_session_receive_buf(session, &buffer)
      if received == -EINTR || received == -EAGAIN { continue }
      // -ENODEV: unmounted; 0 or another error: the connection is gone.
      if received <= 0 { break }
      fuse_session_process_buf(session, &buffer)
    }
    fuse_session_exit(session)
  }

  /// Blocks until every worker has stopped (the filesystem was unmounted or aborted), or
  /// until `timeout`; true if they stopped.
  @discardableResult
  public func wait(timeout: Duration? = nil) -> Bool {
    guard let timeout else {
      workersDone.wait()
      return true
    }
    let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
    return workersDone.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success
  }

  /// `wait(timeout:)` without holding a thread of Swift's cooperative pool (which has one
  /// thread per core: a few blocked waits would stall every task).
  public func stopped(within timeout: Duration) async -> Bool {
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async { continuation.resume(returning: self.wait(timeout: timeout)) }
    }
  }

  /// Fails every pending and future request of the connection (ECONNABORTED): the last
  /// resort when a lazily detached mount is still held open and the process must exit.
  public func abort() {
    guard let connection else { return }
    let control = "/sys/fs/fuse/connections"
    let path = "\(control)/\(connection)/abort"
    var fd = Glibc.open(path, O_WRONLY)
    if fd < 0 && errno == ENOENT && !MountTable.isMounted(control) {
      // fusectl is not always mounted (containers, minimal hosts); it is the only abort switch.
      try? Syscall.mount(source: "fusectl", target: control, type: "fusectl", data: "")
      fd = Glibc.open(path, O_WRONLY)
    }
    guard fd >= 0 else { return }
    _ = Glibc.write(fd, "1", 1)
    close(fd)
  }

  /// Detaches the mount; workers stop once the kernel drops the last reference.
  public func unmount() throws(SystemError) {
    try Syscall.unmount(mountpoint, lazy: true)
  }
}
