// libzstd from Debian's libzstd-dev. Advanced (static-linking-only) APIs are not used:
// StarlingCompression needs only the stable one-shot, streaming and frame-inspection calls.
#ifndef CZSTD_SHIM_H
#define CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
