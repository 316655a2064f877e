import Foundation
import StarlingTar
import Testing

/// One member as Python's tarfile sees it; strings are hex so that any bytes survive JSON.
struct OracleMember: Decodable {
  var path: String
  var kind: String
  var mode: UInt32
  var uid: Int64
  var gid: Int64
  var uname: String
  var gname: String
  var size: Int64
  var mtime: String
  var atime: String?
  var ctime: String?
  var link: String
  var devmajor: UInt32
  var devminor: UInt32
  var xattrs: [[String]]
  var adler: UInt32?
}

/// Python's tarfile is the independent reader the tests compare against.
enum PythonOracle {
  /// Lists an archive (plain or gzip) as Python's tarfile reads it, normalizing names as TarPath does.
  static func list(_ path: String) throws -> [OracleMember] {
    let data = try Tool.python(script, [path])
    return try JSONDecoder().decode([OracleMember].self, from: data)
  }

  /// Compares TarReader's members with Python's listing, field by field; content by Adler-32.
  static func expectSame(_ members: [(TarEntry, UInt32)], _ oracle: [OracleMember], _ label: String) {
    #expect(members.count == oracle.count, "\(label): member count")
    for ((entry, adler), expected) in zip(members, oracle) {
      let context = Comment(rawValue: "\(label): \(entry.path)")
      #expect(Array(entry.path.utf8) == hexBytes(expected.path), context)
      #expect("\(entry.kind)" == expected.kind, context)
      #expect(entry.mode == expected.mode, context)
      #expect(entry.uid == expected.uid, context)
      #expect(entry.gid == expected.gid, context)
      #expect(Array(entry.userName.utf8) == hexBytes(expected.uname), context)
      #expect(Array(entry.groupName.utf8) == hexBytes(expected.gname), context)
      #expect(entry.size == expected.size, context)
      #expect(entry.modificationTime == exactTime(expected.mtime), context)
      #expect(entry.accessTime == expected.atime.flatMap(exactTime), context)
      #expect(entry.changeTime == expected.ctime.flatMap(exactTime), context)
      #expect(Array(entry.linkTarget.utf8) == hexBytes(expected.link), context)
      #expect(entry.deviceMajor == expected.devmajor, context)
      #expect(entry.deviceMinor == expected.devminor, context)
      #expect(
        entry.xattrs.map { [Array($0.name.utf8), $0.value] } == expected.xattrs.map { $0.map(hexBytes) }, context)
      if let expectedAdler = expected.adler { #expect(adler == expectedAdler, context) }
    }
  }

  static let script = #"""
    import json, sys, tarfile, zlib

    def norm(name):
        parts = []
        for c in name.split("/"):
            if c in ("", "."):
                continue
            if c == "..":
                parts.pop()
                continue
            parts.append(c)
        return "/".join(parts)

    def hx(text):
        return text.encode("utf-8", "surrogateescape").hex()

    KINDS = {tarfile.REGTYPE: "regular", tarfile.AREGTYPE: "regular", tarfile.CONTTYPE: "regular",
             tarfile.GNUTYPE_SPARSE: "regular", tarfile.LNKTYPE: "hardLink", tarfile.SYMTYPE: "symbolicLink",
             tarfile.CHRTYPE: "characterDevice", tarfile.BLKTYPE: "blockDevice", tarfile.DIRTYPE: "directory",
             tarfile.FIFOTYPE: "fifo"}
    out = []
    with tarfile.open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as tf:
        for ti in tf:
            kind = KINDS[ti.type]
            if kind == "regular" and ti.name.endswith("/"):
                kind = "directory"
            adler = None
            if kind == "regular":
                f = tf.extractfile(ti)
                adler = 1
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    adler = zlib.adler32(chunk, adler)
            pax = ti.pax_headers
            device = kind in ("characterDevice", "blockDevice")
            out.append({
                "path": hx(norm(ti.name)), "kind": kind, "mode": ti.mode & 0o7777, "uid": ti.uid, "gid": ti.gid,
                "uname": hx(ti.uname), "gname": hx(ti.gname), "size": ti.size if kind == "regular" else 0,
                "mtime": pax.get("mtime", str(int(ti.mtime))), "atime": pax.get("atime"), "ctime": pax.get("ctime"),
                "link": hx(norm(ti.linkname) if kind == "hardLink" else ti.linkname),
                "devmajor": ti.devmajor if device else 0, "devminor": ti.devminor if device else 0,
                "xattrs": [[hx(k[len("SCHILY.xattr."):]), hx(v)] for k, v in pax.items()
                           if k.startswith("SCHILY.xattr.")],
                "adler": adler,
            })
    json.dump(out, sys.stdout)
    """#
}

/// Reads an archive file with TarReader, keeping metadata and each member's content checksum.
func readWithChecksums(path: String) throws -> [(TarEntry, UInt32)] {
  let source = try FileSource(path: path)
  defer { source.close() }
  var reader = TarReader(source: source)
  var members: [(TarEntry, UInt32)] = []
  var buffer = [UInt8](repeating: 0, count: 256 * 1024)
  while let entry = try reader.next() {
    var adler = Adler32()
    while true {
      let count = try buffer.withUnsafeMutableBytes { raw in try reader.readContent(into: raw) }
      if count == 0 { break }
      buffer.withUnsafeBytes { adler.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }
    members.append((entry, adler.value))
  }
  return members
}
