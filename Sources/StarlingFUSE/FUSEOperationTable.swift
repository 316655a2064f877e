import CFuse3

#if canImport(Glibc)
  import Glibc
#endif

/// What the C callbacks reach through libfuse's userdata pointer.
final class FUSEContext: @unchecked Sendable {
  let operations: any FUSEOperations
  let options: FUSESession.Options

  init(operations: any FUSEOperations, options: FUSESession.Options) {
    self.operations = operations
    self.options = options
  }

  static func of(_ request: fuse_req_t?) -> FUSEContext {
    Unmanaged<FUSEContext>.fromOpaque(fuse_req_userdata(request)!).takeUnretainedValue()
  }
}

/// Bytes of a NUL-terminated name from the kernel, without the NUL.
private func nameBuffer(_ name: UnsafePointer<CChar>?) -> FUSEName {
  guard let name else { return FUSEName(start: nil, count: 0) }
  return FUSEName(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: strlen(name))
}

private func replyEntry(_ request: fuse_req_t?, _ attributes: FUSEAttributes?, _ timeouts: FUSETimeouts) {
  var entry = fuse_entry_param()
  // A zero inode is a negative entry, cached for entry_timeout like a positive one.
  if let attributes {
    entry.ino = attributes.inode
    entry.attr = attributes.stat
  }
  entry.attr_timeout = timeouts.attributes
  entry.entry_timeout = timeouts.entries
  _ = fuse_reply_entry(request, &entry)
}

private func replyBytes(_ request: fuse_req_t?, _ bytes: [UInt8]) {
  bytes.withUnsafeBytes { raw in
    _ = fuse_reply_buf(request, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
  }
}

/// The xattr protocol: size 0 asks for the length, a short buffer is ERANGE.
private func replyXattr(_ request: fuse_req_t?, _ value: [UInt8], _ size: Int) {
  if size == 0 {
    _ = fuse_reply_xattr(request, value.count)
  } else if value.count > size {
    _ = fuse_reply_err(request, ERANGE)
  } else {
    replyBytes(request, value)
  }
}

private func readdir(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ size: Int, _ offset: off_t, plus: Bool) {
  let context = FUSEContext.of(request)
  var buffer = FUSEDirectoryBuffer(request: request!, capacity: size, plus: plus, timeouts: context.options.timeouts)
  do throws(FUSEErrno) {
    try context.operations.readdir(inode: inode, offset: Int64(offset), into: &buffer)
    buffer.reply()
  } catch {
    buffer.discard()
    _ = fuse_reply_err(request, error.code)
  }
}

private func open(_ request: fuse_req_t?, _ fi: UnsafeMutablePointer<fuse_file_info>?, _ reply: FUSEOpenReply) {
  fi?.pointee.fh = reply.handle
  starling_fuse_fi_keep_cache(fi, reply.keepCache ? 1 : 0, reply.keepCache ? 1 : 0)
  _ = fuse_reply_open(request, fi)
}

/// The low-level operation table: each callback unpacks the request, calls the Swift
/// filesystem, and answers (or, for reads, hands over the reply).
func makeOperationTable() -> fuse_lowlevel_ops {
  var ops = fuse_lowlevel_ops()
  ops.`init` = { userdata, conn in
    let context = Unmanaged<FUSEContext>.fromOpaque(userdata!).takeUnretainedValue()
    starling_fuse_conn_configure(conn, context.options.maxReadahead, context.options.maxBackground)
  }
  ops.lookup = { request, parent, name in
    let context = FUSEContext.of(request)
    do throws(FUSEErrno) {
      let attributes = try context.operations.lookup(parent: parent, name: nameBuffer(name))
      replyEntry(request, attributes, context.options.timeouts)
    } catch { _ = fuse_reply_err(request, error.code) }
  }
  ops.forget = { request, _, _ in fuse_reply_none(request) }
  ops.forget_multi = { request, _, _ in fuse_reply_none(request) }
  ops.getattr = { request, inode, _ in
    let context = FUSEContext.of(request)
    do throws(FUSEErrno) {
      var st = try context.operations.getattr(inode: inode).stat
      _ = fuse_reply_attr(request, &st, context.options.timeouts.attributes)
    } catch { _ = fuse_reply_err(request, error.code) }
  }
  ops.readlink = { request, inode in
    do throws(FUSEErrno) {
      var target = try FUSEContext.of(request).operations.readlink(inode: inode).map { CChar(bitPattern: $0) }
      target.append(0)
      _ = target.withUnsafeBufferPointer { fuse_reply_readlink(request, $0.baseAddress) }
    } catch { _ = fuse_reply_err(request, error.code) }
  }
  ops.open = { request, inode, fi in
    do throws(FUSEErrno) {
      open(request, fi, try FUSEContext.of(request).operations.open(inode: inode, flags: fi?.pointee.flags ?? 0))
    } catch { _ = fuse_reply_err(request, error.code) }
  }
  ops.read = { request, inode, size, offset, fi in
    guard offset >= 0 else {
      _ = fuse_reply_err(request, EINVAL)
      return
    }
    FUSEContext.of(request).operations.read(
      inode: inode, handle: fi?.pointee.fh ?? 0, offset: UInt64(offset), size: size,
      reply: FUSEReadReply(request: request!))
  }
  ops.release = { request, inode, fi in
    FUSEContext.of(request).operations.release(inode: inode, handle: fi?.pointee.fh ?? 0)
    _ = fuse_reply_err(request, 0)
  }
  ops.opendir = { request, inode, fi in
    do throws(FUSEErrno) {
      open(request, fi, try FUSEContext.of(request).operations.opendir(inode: inode))
    } catch { _ = fuse_reply_err(request, error.code) }
  }
  ops.releasedir = { request, _, _ in _ = fuse_reply_err(request, 0) }
  ops.readdir = { request, inode, size, offset, _ in readdir(request, inode, size, offset, plus: false) }
  ops.readdirplus = { request, inode, size, offset, _ in readdir(request, inode, size, offset, plus: true) }
  ops.statfs = { request, _ in
    let totals = FUSEContext.of(request).operations.statfs()
    var st = statvfs()
    st.f_bsize = UInt(totals.blockSize)
    st.f_frsize = UInt(totals.blockSize)
    st.f_blocks = fsblkcnt_t(totals.blocks)
    st.f_files = fsfilcnt_t(totals.files)
    st.f_namemax = UInt(totals.nameMax)
    _ = fuse_reply_statfs(request, &st)
  }
  ops.getxattr = { request, inode, name, size in
    do throws(FUSEErrno) {
      replyXattr(request, try FUSEContext.of(request).operations.getxattr(inode: inode, name: nameBuffer(name)), size)
    } catch { _ = fuse_reply_err(request, error.code) }
  }
  ops.listxattr = { request, inode, size in
    do throws(FUSEErrno) {
      replyXattr(request, try FUSEContext.of(request).operations.listxattr(inode: inode), size)
    } catch { _ = fuse_reply_err(request, error.code) }
  }
  ops.access = { request, inode, mask in
    do throws(FUSEErrno) {
      try FUSEContext.of(request).operations.access(inode: inode, mask: mask)
      _ = fuse_reply_err(request, 0)
    } catch { _ = fuse_reply_err(request, error.code) }
  }
  return ops
}
