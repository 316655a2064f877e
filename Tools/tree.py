#!/usr/bin/python3
"""Reference tree tools for Starling's round-trip tests (standard library only).

  tree.py snapshot DIR [-o OUT.json] [--no-hash] [--include-root]
      Canonical JSON description of the tree under DIR (DIR itself excluded unless
      --include-root, as "."). Format (version 1):
        {"version": 1, "generator": "Tools/tree.py", "entries": {PATH: ENTRY, ...}}
      PATH is relative to DIR, "/"-separated, keys sorted; names that are not UTF-8 appear
      with Python's surrogateescape code points (JSON \\udcXX escapes). ENTRY has:
        type      file | dir | symlink | fifo | char | block | socket | whiteout
        mode      "%04o" of the permission bits incl. setuid/setgid/sticky (st_mode & 07777)
        uid, gid  numeric owner
        mtime_ns  modification time in ns (lstat, so a symlink's own time)
        size, sha256          regular files
        target                symlinks (readlink)
        devmajor, devminor    char/block devices
        xattrs_hex            {name: hex(value)} of every xattr (lgetxattr), if any;
                              security.selinux is skipped
        hardlink_to           for non-directories whose inode has several names inside DIR:
                              the smallest path of that group (stable under relabelling)
        opaque                true on a directory with trusted.overlay.opaque=y (that xattr
                              is then not listed in xattrs_hex)
      A char device 0/0 (overlayfs whiteout) is reported as {"type": "whiteout"} only.
      Names that readdir lists but lstat cannot find (overlayfs lists a whiteout that sits
      in a directory only one lower layer has) are left out of "entries", listed under
      "listed_but_absent", and warned about on stderr.
      So a merged overlay mount and a tree unpacked by `tree.py unpack` describe alike,
      and a single layer's overlay upper dir is described with normalized whiteouts.

  tree.py unpack LAYOUT [--tag T] [--platform OS/ARCH[/VARIANT]] DEST
  tree.py unpack --layer FILE [--layer FILE ...] DEST
      Applies an image's layers in order into DEST (created; must be empty) the way
      containerd 1.6's applier (archive.Apply) does: compression detected from the magic
      bytes (gzip; zstd via `zstd -dc`, also when the layer starts with a skippable frame;
      else uncompressed), names cleaned and resolved inside DEST (symlinks cannot escape),
      `.wh.NAME` removes NAME, `.wh..wh..opq` removes what lower layers put in that
      directory (entries of the same layer stay), an existing path is replaced unless both
      are directories (then merged), hard links with link(2) (and the link header's owner,
      mode, xattrs and times applied to the shared inode, as containerd does), xattrs from
      PAX SCHILY.xattr.* records (trusted.* skipped; user.* on symlinks/devices skipped),
      devices and fifos with mknod, lchown, chmod (not on symlinks), then times with
      utimensat(AT_SYMLINK_NOFOLLOW) in ns; directory times are set again after the whole
      layer. PAX global headers are ignored (Go's tar reader does not apply them).
      Times are clamped like containerd's boundTime: a time before 1970 or after
      2262-04-11 (int64 ns) becomes 0 (the epoch); --exact-times keeps them.
      By default the result is what containerd's *overlayfs* snapshotter shows in a
      container: when a later layer re-declares a directory, that directory carries only
      the xattrs the later layer gives it (overlayfs shows the upper directory's xattrs).
      --naive keeps the lower xattrs too (containerd's native snapshotter: it copies the
      parent snapshot, then applies the layer on top).
      --layers N applies only the first N layers; --only-layer I (1-based) applies just
      layer I as containerd writes it into an overlay upper directory (whiteouts as char
      0/0 devices owned by the whiteout's uid/gid, opaque directories marked with
      trusted.overlay.opaque=y). With a layout, each layer's uncompressed digest is checked
      against the config's rootfs.diff_ids (--no-verify to skip).

  tree.py diff A.json B.json [--ignore ATTR[,ATTR]] [--ignore-path REGEX] [--platform P]
      Prints every difference path by path ("only in A", "only in B", or
      "PATH: ATTR: A=... B=..."), then a summary line; exits 1 if any difference, else 0.
      (Every command exits 2 on errors: unreadable input, bad layer, zstd failure, ...)
      Also reads the fixture builder's expected trees ($STARLING_STATE/fixtures/meta/*.tree.json:
      a flat {path: entry} map with float seconds "mtime" and uname/gname): their mtime is
      compared with mtime_ns to the microsecond, uname/gname are ignored; for a
      multi-platform one pick a platform with --platform (default: linux/amd64).
"""

import argparse
import errno
import gzip
import hashlib
import json
import os
import posixpath
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile

SKIP_XATTRS = {"security.selinux"}
OPAQUE_XATTR = "trusted.overlay.opaque"
WH_PREFIX = ".wh."
WH_OPAQUE = ".wh..wh..opq"
PAX_XATTR = "SCHILY.xattr."
MAX_NS = (1 << 63) - 1
CHUNK = 1 << 20

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


class Fail(Exception):
    pass


def fail(msg):
    raise Fail(msg)


def fsdecode(b):
    return b.decode("utf-8", "surrogateescape")


def fsencode(s):
    return s.encode("utf-8", "surrogateescape")


# ----------------------------------------------------------------------------- snapshot

def lxattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return {}
        raise
    out = {}
    for n in names:
        if n in SKIP_XATTRS:
            continue
        try:
            out[n] = os.getxattr(path, n, follow_symlinks=False)
        except OSError as e:
            if e.errno in (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP):
                continue
            raise
    return out


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def describe(full, st, hash_content=True):
    m = st.st_mode
    if stat.S_ISCHR(m) and st.st_rdev == 0:
        return {"type": "whiteout"}
    e = {"mode": "%04o" % stat.S_IMODE(m), "uid": st.st_uid, "gid": st.st_gid,
         "mtime_ns": st.st_mtime_ns}
    if stat.S_ISREG(m):
        e["type"] = "file"
        e["size"] = st.st_size
        if hash_content:
            e["sha256"] = sha256_file(full)
    elif stat.S_ISDIR(m):
        e["type"] = "dir"
    elif stat.S_ISLNK(m):
        e["type"] = "symlink"
        e["target"] = fsdecode(os.readlink(full))
    elif stat.S_ISFIFO(m):
        e["type"] = "fifo"
    elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
        e["type"] = "char" if stat.S_ISCHR(m) else "block"
        e["devmajor"] = os.major(st.st_rdev)
        e["devminor"] = os.minor(st.st_rdev)
    elif stat.S_ISSOCK(m):
        e["type"] = "socket"
    else:
        e["type"] = "unknown-%o" % stat.S_IFMT(m)
    xa = lxattrs(full)
    if e["type"] == "dir" and xa.get(OPAQUE_XATTR) == b"y":
        del xa[OPAQUE_XATTR]
        e["opaque"] = True
    if xa:
        e["xattrs_hex"] = {k: v.hex() for k, v in sorted(xa.items())}
    return e


def snapshot(root, hash_content=True, include_root=False):
    rootb = fsencode(os.path.abspath(root))
    entries = {}
    inodes = {}
    vanished = []
    if include_root:
        st = os.lstat(rootb)
        entries["."] = describe(rootb, st, hash_content)

    def walk(dirb, relb):
        with os.scandir(dirb) as it:
            names = sorted(de.name for de in it)
        for name in names:
            full = dirb + b"/" + name
            rel = relb + b"/" + name if relb else name
            key = fsdecode(rel)
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                # listed by readdir but not there on lookup: overlayfs does this for a
                # whiteout inside a directory that only one (lower) layer has
                vanished.append(key)
                continue
            e = describe(full, st, hash_content)
            entries[key] = e
            if stat.S_ISDIR(st.st_mode):
                walk(full, rel)
            elif st.st_nlink > 1 and e["type"] != "whiteout":
                inodes.setdefault((st.st_dev, st.st_ino), []).append(key)

    walk(rootb, b"")
    for group in inodes.values():
        if len(group) > 1:
            rep = min(group, key=fsencode)
            for p in group:
                entries[p]["hardlink_to"] = rep
    out = {"version": 1, "generator": "Tools/tree.py",
           "entries": {k: entries[k] for k in sorted(entries, key=fsencode)}}
    if vanished:
        out["listed_but_absent"] = vanished
        for v in vanished:
            print("tree.py: warning: %s is listed by readdir but lstat says ENOENT "
                  "(overlayfs whiteout in a non-merged lower dir?); left out" % v, file=sys.stderr)
    return out


def cmd_snapshot(a):
    if not os.path.isdir(a.dir):
        fail("%s is not a directory" % a.dir)
    snap = snapshot(a.dir, hash_content=not a.no_hash, include_root=a.include_root)
    text = json.dumps(snap, indent=1, sort_keys=False) + "\n"
    if a.output and a.output != "-":
        with open(a.output + ".tmp", "w") as f:
            f.write(text)
        os.replace(a.output + ".tmp", a.output)
    else:
        sys.stdout.write(text)


# ----------------------------------------------------------------------------- diff

def load_tree(path, platform):
    with open(path) as f:
        d = json.load(f)
    if isinstance(d, dict) and "entries" in d and isinstance(d.get("version"), int):
        return d["entries"], "tree.py"
    # The fixture builder's expected tree: {path: entry}, or {platform: {path: entry}}.
    if d and all(isinstance(v, dict) and "type" not in v and
                 all(isinstance(x, dict) for x in v.values()) for v in d.values()):
        if platform not in d:
            fail("%s is per-platform (%s); pick one with --platform"
                     % (path, ", ".join(sorted(d))))
        d = d[platform]
    out = {}
    for p, e in d.items():
        e = dict(e)
        e.pop("uname", None)
        e.pop("gname", None)
        if "mtime" in e and "mtime_ns" not in e:
            e["mtime_s"] = e.pop("mtime")  # float seconds
        out[p] = e
    return out, "expected-tree"


def diff_trees(A, B, ignore, ignore_path):
    lines = []
    only_a = only_b = changed = 0
    keys = sorted(set(A) | set(B), key=fsencode)
    for p in keys:
        if ignore_path and ignore_path.search(p):
            continue
        ea, eb = A.get(p), B.get(p)
        if eb is None:
            only_a += 1
            lines.append("only in A: %s (%s)" % (p, ea.get("type")))
            continue
        if ea is None:
            only_b += 1
            lines.append("only in B: %s (%s)" % (p, eb.get("type")))
            continue
        ea, eb = dict(ea), dict(eb)
        # mtime: ns against ns exactly; ns against the expected tree's float seconds to 1 us
        ta, tb = ea.pop("mtime_ns", None), eb.pop("mtime_ns", None)
        sa, sb = ea.pop("mtime_s", None), eb.pop("mtime_s", None)
        diffs = []
        if "mtime" not in ignore and "mtime_ns" not in ignore:
            if ta is not None and tb is not None:
                if ta != tb:
                    diffs.append(("mtime_ns", ta, tb))
            elif (ta is not None or sa is not None) and (tb is not None or sb is not None):
                fa = ta / 1e9 if ta is not None else sa
                fb = tb / 1e9 if tb is not None else sb
                if abs(fa - fb) > 1e-6:
                    diffs.append(("mtime", ta if ta is not None else sa, tb if tb is not None else sb))
            elif (ta, sa) != (tb, sb):
                diffs.append(("mtime", ta if ta is not None else sa, tb if tb is not None else sb))
        for attr in sorted(set(ea) | set(eb)):
            if attr in ignore:
                continue
            if ea.get(attr) != eb.get(attr):
                diffs.append((attr, ea.get(attr, "<absent>"), eb.get(attr, "<absent>")))
        if diffs:
            changed += 1
            for attr, va, vb in diffs:
                lines.append("%s: %s: A=%s B=%s" % (p, attr, json.dumps(va, ensure_ascii=False),
                                                    json.dumps(vb, ensure_ascii=False)))
    return lines, only_a, only_b, changed, len(keys)


def cmd_diff(a):
    A, ka = load_tree(a.a, a.platform)
    B, kb = load_tree(a.b, a.platform)
    ignore = set()
    for x in a.ignore or []:
        ignore.update(s for s in x.split(",") if s)
    ignore_path = re.compile(a.ignore_path) if a.ignore_path else None
    lines, only_a, only_b, changed, total = diff_trees(A, B, ignore, ignore_path)
    out = sys.stdout
    for ln in lines:
        out.write(ln + "\n")
    n = only_a + only_b + changed
    out.write("%s: %d path(s) differ (%d only in A, %d only in B, %d with different attributes); "
              "A=%s (%d entries, %s), B=%s (%d entries, %s)%s\n"
              % ("DIFFERENT" if n else "IDENTICAL", n, only_a, only_b, changed,
                 a.a, len(A), ka, a.b, len(B), kb,
                 ("; ignoring " + ",".join(sorted(ignore)) if ignore else "")
                 + ("; skipping paths matching %r" % a.ignore_path if ignore_path else "")))
    return 1 if n else 0


# ----------------------------------------------------------------------------- image input

def blob_path(layout, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexd)


def read_blob_json(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        data = f.read()
    if "sha256:" + hashlib.sha256(data).hexdigest() != digest and digest.startswith("sha256:"):
        fail("blob %s does not match its digest" % digest)
    return json.loads(data)


def parse_platform(s):
    parts = s.split("/")
    return {"os": parts[0], "architecture": parts[1] if len(parts) > 1 else "",
            "variant": parts[2] if len(parts) > 2 else None}


def resolve_image(layout, tag, platform):
    """Return (manifest, config) of TAG in an OCI layout (index / manifest list resolved)."""
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    cands = [m for m in index.get("manifests", [])
             if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag
             or m.get("annotations", {}).get("io.containerd.image.name", "").endswith(":" + tag)]
    if not cands:
        if tag is None or (len(index.get("manifests", [])) == 1 and tag == "latest"
                           and not index["manifests"][0].get("annotations")):
            cands = index.get("manifests", [])[:1]
        if not cands:
            fail("tag %r not found in %s/index.json" % (tag, layout))
    desc = cands[0]
    want = parse_platform(platform)
    while desc["mediaType"] in (OCI_INDEX, DOCKER_LIST):
        sub = read_blob_json(layout, desc["digest"])
        chosen = None
        for m in sub.get("manifests", []):
            p = m.get("platform", {})
            if p.get("os") == want["os"] and p.get("architecture") == want["architecture"] and \
                    (want["variant"] is None or p.get("variant") == want["variant"]):
                chosen = m
                break
        if chosen is None:
            fail("no %s manifest in %s" % (platform, desc["digest"]))
        desc = chosen
    manifest = read_blob_json(layout, desc["digest"])
    config = read_blob_json(layout, manifest["config"]["digest"])
    return manifest, config


class HashingReader:
    """File-like wrapper that hashes every byte read (for diff_id checks)."""

    def __init__(self, f):
        self.f = f
        self.h = hashlib.sha256()
        self.n = 0

    def read(self, n=-1):
        b = self.f.read(n)
        self.h.update(b)
        self.n += len(b)
        return b

    def drain(self):
        while self.read(CHUNK):
            pass


def detect_compression(path):
    with open(path, "rb") as f:
        head = f.read(10)
    if head[:3] == b"\x1f\x8b\x08":
        return "gzip"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if len(head) >= 8 and struct.unpack("<I", head[:4])[0] & 0xFFFFFFF0 == 0x184D2A50:
        return "zstd"  # starts with a skippable frame: containerd's detector says zstd
    return "none"


class LayerStream:
    def __init__(self, path):
        self.kind = detect_compression(path)
        self.proc = None
        if self.kind == "gzip":
            self.raw = gzip.open(path, "rb")
        elif self.kind == "zstd":
            self.proc = subprocess.Popen(["zstd", "-q", "-d", "-c", "--", path],
                                         stdout=subprocess.PIPE)
            self.raw = self.proc.stdout
        else:
            self.raw = open(path, "rb")
        self.reader = HashingReader(self.raw)

    def close(self):
        self.reader.drain()
        self.raw.close()
        if self.proc is not None:
            rc = self.proc.wait()
            if rc != 0:
                raise RuntimeError("zstd -dc failed (exit %d)" % rc)
        return "sha256:" + self.reader.h.hexdigest(), self.reader.n


# ----------------------------------------------------------------------------- unpack

class GoTarInfo(tarfile.TarInfo):
    """TarInfo that, like Go's archive/tar, does not apply PAX global headers ('g')
    to the members that follow."""

    def _proc_pax(self, tf):
        if self.type == tarfile.XGLTYPE:
            tf.fileobj.read(self._block(self.size))
            return self.fromtarfile(tf)
        return super()._proc_pax(tf)


def parse_pax_time(s):
    """PAX time string -> ns, as Go's parsePAXTime (fraction truncated to 9 digits)."""
    neg = s.startswith("-")
    body = s[1:] if neg or s.startswith("+") else s
    secs, _, frac = body.partition(".")
    ns = int(secs or "0") * 10 ** 9 + int((frac + "000000000")[:9])
    return -ns if neg else ns


def header_times(ti):
    pax = ti.pax_headers or {}
    mtime = parse_pax_time(pax["mtime"]) if "mtime" in pax else int(ti.mtime) * 10 ** 9
    atime = parse_pax_time(pax["atime"]) if "atime" in pax else None
    return atime, mtime


def bound(ns, exact):
    if exact:
        return ns
    return 0 if ns < 0 or ns > MAX_NS else ns


class Applier:
    def __init__(self, root, naive=False, overlay_upper=False, exact_times=False, verbose=False):
        self.root = os.path.abspath(root).encode("utf-8", "surrogateescape")
        self.naive = naive
        self.overlay_upper = overlay_upper
        self.exact_times = exact_times
        self.verbose = verbose
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)
        if self.verbose:
            print("tree.py: warning: " + msg, file=sys.stderr)

    # fs.RootPath: resolve PATH under root following symlinks, never escaping root
    def root_path(self, path):
        comps = [c for c in path.split(b"/") if c not in (b"", b".")]
        stack = comps[::-1]
        resolved = []
        links = 0
        while stack:
            c = stack.pop()
            if c == b"..":
                if resolved:
                    resolved.pop()
                continue
            cand = resolved + [c]
            full = self.root + b"/" + b"/".join(cand)
            try:
                st = os.lstat(full)
            except (FileNotFoundError, NotADirectoryError):
                resolved = cand
                continue
            if stat.S_ISLNK(st.st_mode):
                links += 1
                if links > 255:
                    raise OSError(errno.ELOOP, "too many links", fsdecode(full))
                target = os.readlink(full)
                if target.startswith(b"/"):
                    resolved = []
                stack.extend([t for t in target.split(b"/") if t not in (b"", b".")][::-1])
            else:
                resolved = cand
        return self.root + (b"/" + b"/".join(resolved) if resolved else b"")

    def mkparent(self, path):
        try:
            st = os.lstat(path)
            if stat.S_ISDIR(st.st_mode):
                return
            raise OSError(errno.ENOTDIR, "mkparent", fsdecode(path))
        except FileNotFoundError:
            pass
        parent = os.path.dirname(path)
        if len(parent) > len(self.root):
            self.mkparent(parent)
        try:
            os.mkdir(path, 0o755)
            os.chmod(path, 0o755)
        except FileExistsError:
            if not os.path.isdir(path):
                raise

    @staticmethod
    def remove_all(path):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        except NotADirectoryError:
            return
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)

    def opaque_clear(self, d, unpacked):
        def walk(p):
            try:
                names = sorted(os.listdir(p))
            except FileNotFoundError:
                return
            for n in names:
                q = p + b"/" + n
                if q not in unpacked:
                    self.remove_all(q)
                else:
                    try:
                        st = os.lstat(q)
                    except FileNotFoundError:
                        continue
                    if stat.S_ISDIR(st.st_mode):
                        walk(q)
        os.lstat(d)
        walk(d)

    def set_xattrs(self, path, ti, is_lower_dir):
        pax = ti.pax_headers or {}
        want = {}
        for k, v in pax.items():
            if k.startswith(PAX_XATTR):
                want[k[len(PAX_XATTR):]] = fsencode(v)
        if is_lower_dir and not self.naive:
            # overlayfs: a directory re-declared by an upper layer shows the upper's xattrs
            for n in os.listxattr(path, follow_symlinks=False):
                if n not in want and not n.startswith("trusted.") and n not in SKIP_XATTRS:
                    os.removexattr(path, n, follow_symlinks=False)
        for k, v in want.items():
            if k.startswith("trusted."):
                self.warn("ignored xattr %s on %s (trusted.* not applied)" % (k, ti.name))
                continue
            try:
                os.setxattr(path, k, v, follow_symlinks=False)
            except OSError as e:
                if e.errno == errno.EPERM and k.startswith("user."):
                    st = os.lstat(path)
                    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                        self.warn("ignored xattr %s on %s (user.* only on files and dirs)" % (k, ti.name))
                        continue
                if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
                    self.warn("ignored xattr %s on %s (%s)" % (k, ti.name, e.strerror))
                    continue
                raise

    def create(self, path, ti, tf, is_lower_dir):
        mode = ti.mode & 0o7777
        if ti.isdir():
            try:
                st = os.lstat(path)
                exists_dir = stat.S_ISDIR(st.st_mode)
            except FileNotFoundError:
                exists_dir = False
            if not exists_dir:
                os.mkdir(path, mode)
                os.chmod(path, mode)
        elif ti.isreg():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            try:
                os.chmod(path, mode)
                src = tf.extractfile(ti)
                while True:
                    b = src.read(CHUNK)
                    if not b:
                        break
                    view = memoryview(b)
                    while view:
                        n = os.write(fd, view)
                        view = view[n:]
            finally:
                os.close(fd)
        elif ti.ischr() or ti.isblk() or ti.isfifo():
            kind = stat.S_IFCHR if ti.ischr() else stat.S_IFBLK if ti.isblk() else stat.S_IFIFO
            dev = os.makedev(ti.devmajor, ti.devminor) if not ti.isfifo() else 0
            os.mknod(path, mode | kind, dev)
        elif ti.islnk():
            linkname = fsencode(ti.linkname)
            d, base = posixpath.split(linkname)
            target = posixpath.join(self.root_path(d), base)
            if not (target == self.root or target.startswith(self.root + b"/")):
                target = self.root
            os.link(target, path, follow_symlinks=False)
        elif ti.issym():
            os.symlink(fsencode(ti.linkname), path)
        else:
            raise RuntimeError("unhandled tar header type %r for %s" % (ti.type, ti.name))

        os.chown(path, ti.uid, ti.gid, follow_symlinks=False)
        self.set_xattrs(path, ti, is_lower_dir)
        st = os.lstat(path)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(path, mode)
        self.chtimes(path, ti)

    def chtimes(self, path, ti):
        atime, mtime = header_times(ti)
        if atime is None or atime < mtime:
            atime = mtime
        os.utime(path, ns=(bound(atime, self.exact_times), bound(mtime, self.exact_times)),
                 follow_symlinks=False)

    def apply(self, stream):
        tf = tarfile.open(fileobj=stream, mode="r|", tarinfo=GoTarInfo,
                          encoding="utf-8", errors="surrogateescape")
        dirs = []
        unpacked = set()
        count = 0
        for ti in tf:
            count += 1
            name = fsencode(ti.name)
            name = posixpath.normpath(b"/" + name.lstrip(b"/"))  # filepath.Clean, rooted
            ppath, base = posixpath.split(name)
            ppath = self.root_path(ppath)
            path = posixpath.join(ppath, base) if base else ppath
            if path == self.root:
                continue
            if ppath != self.root:
                self.mkparent(ppath)
            if base.startswith(fsencode(WH_PREFIX)):
                d = os.path.dirname(path)
                if base == fsencode(WH_OPAQUE):
                    if self.overlay_upper:
                        os.setxattr(d, OPAQUE_XATTR, b"y")
                    else:
                        self.opaque_clear(d, unpacked)
                    continue
                orig = d + b"/" + base[len(WH_PREFIX):]
                if self.overlay_upper:
                    os.mknod(orig, stat.S_IFCHR, 0)
                    os.chown(orig, ti.uid, ti.gid)
                else:
                    self.remove_all(orig)
                continue
            if not (ti.isreg() or ti.isdir() or ti.islnk() or ti.issym() or ti.ischr()
                    or ti.isblk() or ti.isfifo()):
                raise RuntimeError("unhandled tar header type %r for %s" % (ti.type, ti.name))
            is_lower_dir = False
            try:
                st = os.lstat(path)
                if not (stat.S_ISDIR(st.st_mode) and ti.isdir()):
                    self.remove_all(path)
                elif path not in unpacked:
                    is_lower_dir = True
            except FileNotFoundError:
                pass
            self.create(path, ti, tf, is_lower_dir)
            if ti.isdir():
                dirs.append(ti)
            unpacked.add(path)
        for ti in dirs:
            p = self.root_path(fsencode(ti.name))
            if os.path.lexists(p):
                self.chtimes(p, ti)
        return count


def cmd_unpack(a):
    layers = []  # (path, expected diff_id or None)
    if a.layer:
        if a.src:
            fail("give either a layout or --layer files, not both")
        layers = [(p, None) for p in a.layer]
    else:
        if not a.src:
            fail("unpack needs an OCI layout (or --layer FILE ...)")
        src, tag = a.src, a.tag
        if src.startswith("oci:"):
            src = src[4:]
            if ":" in src and not os.path.isdir(src):
                src, tag = src.rsplit(":", 1)
        manifest, config = resolve_image(src, tag, a.platform)
        diff_ids = config.get("rootfs", {}).get("diff_ids", [])
        for i, l in enumerate(manifest["layers"]):
            layers.append((blob_path(src, l["digest"]),
                           diff_ids[i] if i < len(diff_ids) and not a.no_verify else None))
    if a.only_layer:
        if not 1 <= a.only_layer <= len(layers):
            fail("--only-layer %d: image has %d layers" % (a.only_layer, len(layers)))
        layers = [layers[a.only_layer - 1]]
    elif a.layers is not None:
        layers = layers[:a.layers]
    if os.path.lexists(a.dest):
        if not os.path.isdir(a.dest) or os.listdir(a.dest):
            fail("%s exists and is not an empty directory" % a.dest)
    else:
        os.makedirs(a.dest)
    ap = Applier(a.dest, naive=a.naive, overlay_upper=bool(a.only_layer),
                 exact_times=a.exact_times, verbose=a.verbose)
    bad = 0
    for i, (path, diff_id) in enumerate(layers, 1):
        ls = LayerStream(path)
        n = ap.apply(ls.reader)
        got, size = ls.close()
        ok = ""
        if diff_id is not None:
            ok = " (diff_id ok)" if got == diff_id else " (DIFF_ID MISMATCH: config says %s)" % diff_id
            bad += got != diff_id
        print("tree.py: layer %d/%d %s: %s, %d entries, %d bytes tar, %s%s"
              % (i, len(layers), os.path.basename(path)[:12], ls.kind, n, size, got, ok),
              file=sys.stderr)
    if ap.warnings and not a.verbose:
        print("tree.py: %d warning(s) (ignored xattrs etc.; -v to list)" % len(ap.warnings),
              file=sys.stderr)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot", help="describe a directory tree as JSON")
    s.add_argument("dir")
    s.add_argument("-o", "--output")
    s.add_argument("--no-hash", action="store_true", help="skip sha256 of file contents")
    s.add_argument("--include-root", action="store_true")
    u = sub.add_parser("unpack", help="apply an image's layers into a directory")
    u.add_argument("paths", nargs="*", metavar="[LAYOUT] DEST",
                   help="OCI layout directory (or oci:DIR[:TAG]) and the destination")
    u.add_argument("--tag", default="latest")
    u.add_argument("--platform", default="linux/amd64")
    u.add_argument("--layer", action="append", help="a layer blob (repeat, bottom first)")
    u.add_argument("--layers", type=int, help="apply only the first N layers")
    u.add_argument("--only-layer", type=int, help="apply only layer I (1-based) as an overlay upper dir")
    u.add_argument("--naive", action="store_true", help="keep lower xattrs on re-declared dirs")
    u.add_argument("--exact-times", action="store_true", help="do not clamp times like containerd")
    u.add_argument("--no-verify", action="store_true", help="do not check diff_ids")
    u.add_argument("-v", "--verbose", action="store_true")
    d = sub.add_parser("diff", help="compare two tree descriptions")
    d.add_argument("a")
    d.add_argument("b")
    d.add_argument("--ignore", action="append", help="attribute(s) to ignore, comma separated")
    d.add_argument("--ignore-path", help="regex of paths to skip")
    d.add_argument("--platform", default="linux/amd64")
    # Options may come between LAYOUT and DEST (argparse stops at the first positional run).
    a, extra = ap.parse_known_args()
    if extra:
        if a.cmd != "unpack" or any(x.startswith("-") for x in extra):
            ap.error("unrecognized arguments: %s" % " ".join(extra))
        a.paths += extra
    if a.cmd == "unpack":
        if len(a.paths) == 1:
            a.src, a.dest = None, a.paths[0]
        elif len(a.paths) == 2:
            a.src, a.dest = a.paths
        else:
            u.error("need [LAYOUT] DEST")
    if a.cmd == "snapshot":
        cmd_snapshot(a)
        return 0
    if a.cmd == "unpack":
        return cmd_unpack(a)
    return cmd_diff(a)


def run():
    try:
        return main()
    except Fail as e:
        print("tree.py: error: %s" % e, file=sys.stderr)
    except (OSError, RuntimeError, tarfile.TarError, ValueError, KeyError) as e:
        print("tree.py: error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(run())
