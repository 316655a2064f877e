import Foundation
import StarlingFS
import StarlingFUSE
import StarlingFormat
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `LayerFilesystem`'s answers, called directly (no kernel): what a container must see
/// of a lower layer (attributes, links, devices, whiteouts, opaque directories, xattrs)
/// and the errors a read-only layer gives.
@Suite struct LayerFilesystemTests {
  let layer: SampleLayer

  init() throws {
    layer = try SampleLayer.make()
  }

  private func expectErrno(_ code: Int32, _ comment: Comment? = nil, _ body: () throws -> Void) {
    do {
      try body()
      Issue.record("expected errno \(code), got success \(comment.map { "(\($0))" } ?? "")")
    } catch let error as FUSEErrno {
      #expect(error.code == code, comment)
    } catch {
      Issue.record("expected errno \(code), got \(error) \(comment.map { "(\($0))" } ?? "")")
    }
  }

  @Test func lookupAndGetattrGiveTheTarMetadata() throws {
    let root = try layer.filesystem.getattr(inode: 1)
    #expect(root.inode == 1)
    #expect(root.mode == S_IFDIR | 0o755)
    // ".", "..", and the subdirectories etc, dev, run, times, var.
    #expect(root.nlink == 2 + 5)

    let hosts = try #require(try layer.lookup(try layer.inode("etc"), "hosts"))
    #expect(hosts.mode == S_IFREG | 0o644)
    #expect(hosts.uid == 1000 && hosts.gid == 1001)
    #expect(hosts.size == UInt64(SampleLayer.hostsContent.count))
    #expect(hosts.mtimeSeconds == 1_650_000_000 && hosts.mtimeNanoseconds == 123_456_789)
    #expect(hosts.inode == (try layer.entryInode("etc/hosts")), "inode = index entry + 1")
    #expect(try layer.filesystem.getattr(inode: hosts.inode) == hosts)

    let etc = try layer.filesystem.getattr(inode: try layer.inode("etc"))
    #expect(etc.mode == S_IFDIR | 0o755)
    let kept = try layer.filesystem.getattr(inode: try layer.inode("var/kept"))
    #expect(kept.size == 3)

    let symlink = try #require(try layer.lookup(try layer.inode("etc"), "localtime"))
    #expect(symlink.mode & S_IFMT == S_IFLNK)
    #expect(symlink.size == UInt64("/usr/share/zoneinfo/UTC".utf8.count))
    #expect(try layer.filesystem.readlink(inode: symlink.inode) == Array("/usr/share/zoneinfo/UTC".utf8))

    let fifo = try layer.filesystem.getattr(inode: try layer.inode("run/fifo"))
    #expect(fifo.mode & S_IFMT == S_IFIFO)
    // An implicit parent (no tar member of its own) is a plain directory.
    #expect(try layer.filesystem.getattr(inode: try layer.inode("run")).mode & S_IFMT == S_IFDIR)
  }

  @Test func missingNamesAndWrongKindsGiveTheRightErrors() throws {
    let etc = try layer.inode("etc")
    #expect(try layer.lookup(etc, "absent") == nil, "a missing name is a negative lookup")
    #expect(try layer.lookup(1, "") == nil)
    let hosts = try layer.inode("etc/hosts")
    expectErrno(ENOTDIR, "lookup in a file") { _ = try layer.lookup(hosts, "x") }
    expectErrno(ENOENT, "inode 0") { _ = try layer.filesystem.getattr(inode: 0) }
    let past = UInt64(layer.index.entryCount) + 1
    expectErrno(ENOENT, "inode past the index") { _ = try layer.filesystem.getattr(inode: past) }
    expectErrno(ENOENT, "lookup under an unknown inode") { _ = try layer.lookup(past, "etc") }
    expectErrno(EINVAL, "readlink of a file") { _ = try layer.filesystem.readlink(inode: hosts) }
    expectErrno(ENOTDIR, "opendir of a file") { _ = try layer.filesystem.opendir(inode: hosts) }
    #expect(try layer.filesystem.opendir(inode: etc).keepCache)
  }

  @Test func hardLinksShareTheCanonicalInode() throws {
    let etc = try layer.inode("etc")
    let hosts = try #require(try layer.lookup(etc, "hosts"))
    let link = try #require(try layer.lookup(etc, "hosts.link"))
    #expect(link == hosts, "both names show one file")
    #expect(hosts.nlink == 2)
    // Asked by the alias's own entry number, it still answers for the canonical inode.
    let aliasEntry = try layer.entryInode("etc/hosts.link")
    #expect(aliasEntry != hosts.inode)
    #expect(try layer.filesystem.getattr(inode: aliasEntry).inode == hosts.inode)
    #expect(try layer.xattrNames(aliasEntry) == ["user.comment", "security.capability"])
    #expect(try layer.getxattr(aliasEntry, "user.comment") == Array("hello".utf8))
    let other = try #require(try layer.lookup(try layer.inode("var"), "kept"))
    #expect(other.inode != hosts.inode)
  }

  @Test func whiteoutsAreZeroZeroCharacterDevices() throws {
    let whiteout = try #require(try layer.lookup(try layer.inode("etc"), "removed"))
    #expect(whiteout.mode & S_IFMT == S_IFCHR)
    #expect(whiteout.deviceMajor == 0 && whiteout.deviceMinor == 0)
    #expect(try layer.lookup(try layer.inode("etc"), ".wh.removed") == nil, "the tar name is not shown")

    let null = try layer.filesystem.getattr(inode: try layer.inode("dev/null"))
    #expect(null.mode == S_IFCHR | 0o666)
    #expect(null.deviceMajor == 1 && null.deviceMinor == 3)
    let disk = try layer.filesystem.getattr(inode: try layer.inode("dev/sda"))
    #expect(disk.mode == S_IFBLK | 0o660)
    #expect(disk.deviceMajor == 8 && disk.deviceMinor == 16)
    #expect(disk.size == 0)
  }

  @Test func opaqueDirectoriesAndXattrs() throws {
    let variable = try layer.inode("var")
    #expect(try layer.getxattr(variable, "trusted.overlay.opaque") == Array("y".utf8))
    #expect(try layer.xattrNames(variable) == ["trusted.overlay.opaque"])
    #expect(try layer.lookup(variable, ".wh..wh..opq") == nil, "the marker is not shown")
    #expect(try layer.lookup(variable, "kept") != nil, "the opaque directory's own entries stay")
    let etc = try layer.inode("etc")
    expectErrno(ENODATA, "not opaque") { _ = try layer.getxattr(etc, "trusted.overlay.opaque") }
    #expect(try layer.filesystem.listxattr(inode: etc).isEmpty)

    let hosts = try layer.inode("etc/hosts")
    #expect(try layer.getxattr(hosts, "user.comment") == Array("hello".utf8))
    #expect(try layer.getxattr(hosts, "security.capability") == SampleLayer.capability)
    #expect(try layer.xattrNames(hosts) == ["user.comment", "security.capability"])
    expectErrno(ENODATA, "absent xattr") { _ = try layer.getxattr(hosts, "user.absent") }
    expectErrno(ENODATA, "prefix of a name") { _ = try layer.getxattr(hosts, "user.comm") }
    expectErrno(ENOENT, "xattr of an unknown inode") { _ = try layer.getxattr(0, "user.comment") }
  }

  @Test func timesOutsideContainerdsRangeShowAsTheEpoch() throws {
    let old = try layer.filesystem.getattr(inode: try layer.inode("times/old"))
    #expect(old.mtimeSeconds == 0 && old.mtimeNanoseconds == 0, "before 1970")
    let late = try layer.filesystem.getattr(inode: try layer.inode("times/late"))
    #expect(late.mtimeSeconds == 0 && late.mtimeNanoseconds == 0, "after 2262")
    let last = try layer.filesystem.getattr(inode: try layer.inode("times/last"))
    #expect(last.mtimeSeconds == SampleLayer.lastSecond && last.mtimeNanoseconds == SampleLayer.lastNanosecond)
    let beyond = try layer.filesystem.getattr(inode: try layer.inode("times/beyond"))
    #expect(beyond.mtimeSeconds == 0 && beyond.mtimeNanoseconds == 0, "one nanosecond past int64")
    // The index itself keeps the tar's time.
    let record = try layer.index.entry(try #require(try layer.index.lookup(path: "times/old")))
    #expect(record.mtimeSeconds == -86_400 && record.mtimeNanoseconds == 5)
  }

  @Test func openIsReadOnly() throws {
    let hosts = try layer.inode("etc/hosts")
    let reply = try layer.filesystem.open(inode: hosts, flags: O_RDONLY)
    #expect(reply.keepCache)
    for flags in [O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC, O_RDWR | O_APPEND] {
      expectErrno(EROFS, "flags \(flags)") { _ = try layer.filesystem.open(inode: hosts, flags: flags) }
    }
    expectErrno(EISDIR) { _ = try layer.filesystem.open(inode: try layer.inode("etc"), flags: O_RDONLY) }
    expectErrno(EACCES, "a device is not served") {
      _ = try layer.filesystem.open(inode: try layer.inode("dev/null"), flags: O_RDONLY)
    }
    expectErrno(ENOENT) { _ = try layer.filesystem.open(inode: 0, flags: O_RDONLY) }
    try layer.filesystem.access(inode: hosts, mask: R_OK)
    expectErrno(EROFS, "access W_OK") { try layer.filesystem.access(inode: hosts, mask: W_OK) }
    expectErrno(ENOENT) { try layer.filesystem.access(inode: 0, mask: F_OK) }
    let totals = layer.filesystem.statfs()
    #expect(totals.files == UInt64(layer.index.entryCount))
  }
}
