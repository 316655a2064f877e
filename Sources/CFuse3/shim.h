// libfuse3's low-level API from Debian's libfuse3-dev (3.14). Bitfields and the
// capability negotiation are set here in C, where their layout is defined, so the
// Swift side never guesses at struct packing.
#ifndef CFUSE3_SHIM_H
#define CFUSE3_SHIM_H
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <sys/sysmacros.h>

/// Marks an open reply: keep the page cache across opens (content never changes).
static inline void starling_fuse_fi_keep_cache(struct fuse_file_info *fi, int keep_cache, int cache_readdir) {
  fi->keep_cache = keep_cache ? 1 : 0;
  fi->cache_readdir = cache_readdir ? 1 : 0;
}

/// Negotiates an immutable, read-only filesystem: asynchronous and parallel reads and
/// lookups, readdirplus always, cached symlinks, no data invalidation on attribute
/// refresh, large reads.
static inline void starling_fuse_conn_configure(struct fuse_conn_info *conn, unsigned max_readahead,
                                                unsigned max_background) {
  unsigned wanted = FUSE_CAP_ASYNC_READ | FUSE_CAP_PARALLEL_DIROPS | FUSE_CAP_CACHE_SYMLINKS |
                    FUSE_CAP_READDIRPLUS | FUSE_CAP_EXPORT_SUPPORT;
  conn->want |= conn->capable & wanted;
  conn->want &= ~(unsigned)(FUSE_CAP_READDIRPLUS_AUTO | FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_SPLICE_READ |
                            FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_WRITEBACK_CACHE);
  if (max_readahead < conn->max_readahead) conn->max_readahead = max_readahead;
  if (max_background) conn->max_background = max_background;
}

static inline dev_t starling_makedev(unsigned major, unsigned minor) { return makedev(major, minor); }
#endif
