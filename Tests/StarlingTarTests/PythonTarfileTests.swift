import Foundation
import StarlingTar
import Testing

/// Archives written by Python's tarfile (its own PAX, GNU and ustar encoders), read and round-tripped.
@Suite struct PythonTarfileTests {
  @Test(arguments: ["PAX", "GNU", "USTAR"])
  func readsWhatPythonWrites(_ format: String) throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let archive = directory.path("python.tar")
    try Tool.python(Self.writer, [archive, format])
    let members = try readWithChecksums(path: archive)
    PythonOracle.expectSame(members, try PythonOracle.list(archive), format)
    #expect(members.count >= (format == "USTAR" ? 9 : 15))

    let original = try readArchive(Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
    #expect(try readArchive(try writeArchive(original)) == original)
  }

  static let writer = #"""
    import io, sys, tarfile
    path, fmt = sys.argv[1], getattr(tarfile, sys.argv[2] + "_FORMAT")
    full = fmt != tarfile.USTAR_FORMAT
    pax = fmt == tarfile.PAX_FORMAT
    tf = tarfile.open(path, "w", format=fmt, encoding="utf-8", errors="surrogateescape")

    def add(name, type=tarfile.REGTYPE, data=b"", **kw):
        ti = tarfile.TarInfo(name)
        ti.type = type
        ti.mtime = 1704067200
        for k, v in kw.items():
            setattr(ti, k, v)
        if type == tarfile.REGTYPE:
            ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data) if type == tarfile.REGTYPE else None)

    add("./", tarfile.DIRTYPE, mode=0o755)
    add("plain.txt", data=b"plain\n", mode=0o640, uid=1000, gid=100, uname="user", gname="users")
    add("dir/", tarfile.DIRTYPE, mode=0o2775)
    add("dir/block", data=bytes(range(256)) * 5)
    add("dir/link", tarfile.SYMTYPE, linkname="../plain.txt")
    add("dir/hard", tarfile.LNKTYPE, linkname="./dir/block")
    add("char", tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
    add("fifo", tarfile.FIFOTYPE)
    add("p/" + "x" * 150 + "/" + "y" * 90, data=b"prefix\n")
    if full:
        add("long/" + "z" * 300, data=b"long\n")
        add("long-link", tarfile.SYMTYPE, linkname="/" + "t" * 300)
        add("ünïcode-名前.txt", data=b"u\n", uname="ünï")
        add("big-ids", uid=3000000, gid=2**33, data=b"ids\n")
        add("negative-time", mtime=-86400)
        add("future-time", mtime=10**11)
        add("big-device", tarfile.BLKTYPE, devmajor=2097151, devminor=7)
    if pax:
        ti = tarfile.TarInfo("xattrs")
        ti.mtime = 1704067200.25
        ti.pax_headers = {"SCHILY.xattr.user.bin": b"\xff\x00\x80".decode("utf-8", "surrogateescape"),
                          "SCHILY.xattr.user.empty": "", "atime": "1.5", "ctime": "-1.25"}
        tf.addfile(ti)
    tf.close()
    """#
}
