import Foundation
import Testing

/// A directory tree of every file kind and awkward attribute, built as root, for GNU tar to archive.
enum SampleTree {
  /// Which corners to include: `simple` fits ustar and v7 (short names, small ids, no devices or xattrs).
  enum Flavor: String { case full, simple }

  static func build(at path: String, flavor: Flavor) throws {
    try Tool.python(builder, [path, flavor.rawValue])
  }

  /// Every path under `path` with type, mode, owner, size, mtime (ns), rdev, link target, content hash,
  /// xattrs and hard-link group, as JSON text, so two trees can be compared for equality.
  static func snapshot(_ path: String) throws -> String {
    String(decoding: try Tool.python(snapshotter, [path]), as: UTF8.self)
  }

  static let builder = #"""
    import os, random, sys
    root, flavor = sys.argv[1], sys.argv[2]
    full = flavor == "full"
    T = 1704067200

    def write(path, data, mode=0o644):
        p = os.path.join(root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
        return p

    os.makedirs(os.path.join(root, "dir/sub"), exist_ok=True)
    for n in (0, 1, 511, 512, 513, 70000):
        write("file-%d" % n, random.Random(n).randbytes(n))
    write("dir/sub/leaf.txt", b"leaf\n")
    write("dir with space/x", b"space\n")
    for name, mode in (("setuid", 0o4755), ("setgid", 0o2755), ("sticky", 0o1777), ("none", 0), ("all", 0o7777)):
        write("modes/" + name, b"mode\n", mode)
    os.symlink("../file-1", os.path.join(root, "dir/rel-link"))
    os.symlink("/etc/passwd", os.path.join(root, "abs-link"))
    os.link(os.path.join(root, "file-513"), os.path.join(root, "dir/hard-link"))
    os.chown(os.path.join(root, "file-1"), 1000, 1001)
    os.utime(os.path.join(root, "file-0"), (0, 0))
    if full:
        long_dir = "long/" + "/".join(["d%02d-" % i + "x" * 40 for i in range(7)])
        write(long_dir + "/" + "n" * 120, b"long path\n")
        os.link(os.path.join(root, long_dir, "n" * 120), os.path.join(root, "long/hard-to-long"))
        os.symlink("t" * 200, os.path.join(root, "long/long-target"))
        write("unicode/ünïcode-名前-🐳.txt", b"unicode\n")
        os.symlink("ünïcode-名前-🐳.txt", os.path.join(root, "unicode/link-ü"))
        os.makedirs(os.path.join(root, "devices"))
        os.mknod(os.path.join(root, "devices/null"), 0o20666, os.makedev(1, 3))
        os.mknod(os.path.join(root, "devices/loop"), 0o60660, os.makedev(7, 0))
        os.mknod(os.path.join(root, "devices/big"), 0o20600, os.makedev(4095, 1048575))
        os.mkfifo(os.path.join(root, "devices/fifo"), 0o640)
        x = write("xattrs/file", b"xattrs\n")
        os.setxattr(x, "user.text", b"hello")
        os.setxattr(x, "user.empty", b"")
        os.setxattr(x, "user.binary", b"\xff\x00\x80binary")
        os.setxattr(os.path.join(root, "xattrs"), "user.dir", b"on a directory")
        big = write("owners/big-uid", b"big\n")
        os.chown(big, 3000000, 3000001)
        os.utime(write("times/negative", b"t\n"), ns=(0, -86400 * 10**9 - 500000000))
        os.utime(write("times/nanos", b"t\n"), ns=(0, T * 10**9 + 123456789))
        os.utime(write("times/far-future", b"t\n"), ns=(0, 10**10 * 10**9))
        sparse = os.path.join(root, "sparse")
        with open(sparse, "wb") as f:
            f.truncate(10 << 20)
            f.seek(1 << 20)
            f.write(b"data at 1 MiB")
            f.seek((10 << 20) - 5)
            f.write(b"tail!")
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames + dirnames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            if not rel.startswith("times/") and rel != "file-0":
                os.utime(p, ns=(T * 10**9, T * 10**9), follow_symlinks=False)
    os.utime(root, ns=(T * 10**9, T * 10**9))
    """#

  static let snapshotter = #"""
    import hashlib, json, os, stat, sys
    root = sys.argv[1]
    inodes, out = {}, []
    paths = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            paths.append(os.path.join(dirpath, name))
    for p in sorted(paths):
        st = os.lstat(p)
        rel = os.path.relpath(p, root)
        entry = {"path": rel, "mode": oct(st.st_mode), "uid": st.st_uid, "gid": st.st_gid, "rdev": st.st_rdev}
        if not stat.S_ISLNK(st.st_mode):
            entry["mtime_ns"] = st.st_mtime_ns
            entry["xattrs"] = sorted([n, os.getxattr(p, n, follow_symlinks=False).hex()] for n in os.listxattr(p))
        if stat.S_ISREG(st.st_mode):
            entry["size"] = st.st_size
            entry["sha256"] = hashlib.sha256(open(p, "rb").read()).hexdigest()
            entry["link_group"] = inodes.setdefault(st.st_ino, rel)
        if stat.S_ISLNK(st.st_mode):
            entry["target"] = os.readlink(p)
        out.append(entry)
    json.dump(out, sys.stdout, indent=1, ensure_ascii=True)
    """#
}
