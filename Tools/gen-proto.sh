#!/usr/bin/env bash
# Regenerates the Swift code for containerd's gRPC API (Sources/ContainerdAPI/Generated)
# from the .proto files in Sources/ContainerdAPI/Protos. Run it only when a .proto
# changes: the generated files are committed, because building the two protoc plugins
# (swift-protobuf's protoc-gen-swift and grpc-swift-protobuf's protoc-gen-grpc-swift-2)
# takes about 10 minutes. Installs protobuf-compiler and libprotobuf-dev (for the
# well-known types' .proto files) if missing.
#
#   Tools/gen-proto.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$STARLING_REPO"
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

PROTOBUF_VERSION=1.39.0
GRPC_PROTOBUF_VERSION=2.4.1
for pkg in protobuf-compiler libprotobuf-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || { log "apt-get install $pkg"; apt-get install -y -q "$pkg" >/dev/null; }
done

PLUGINS="$STARLING_STATE/protoc-plugins"
mkdir -p "$PLUGINS"
cat >"$PLUGINS/Package.swift" <<SWIFT
// swift-tools-version: 6.1
// Builds the protoc plugins for Tools/gen-proto.sh (not part of Starling's build).
import PackageDescription
let package = Package(
  name: "ProtocPlugins",
  dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf", exact: "$PROTOBUF_VERSION"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "$GRPC_PROTOBUF_VERSION"),
  ],
  targets: []
)
SWIFT
for product in protoc-gen-swift protoc-gen-grpc-swift-2; do
  log "building $product (first time ~10 min)"
  swift build -c release --package-path "$PLUGINS" --product "$product" >/dev/null
done
BIN="$(swift build -c release --package-path "$PLUGINS" --show-bin-path)"

PROTOS="Sources/ContainerdAPI/Protos"
OUT="Sources/ContainerdAPI/Generated"
rm -rf "$OUT"
mkdir -p "$OUT"
mapfile -t files < <(cd "$PROTOS" && find . -name '*.proto' | sed 's|^\./||' | sort)
protoc -I "$PROTOS" -I /usr/include \
  --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$BIN/protoc-gen-grpc-swift-2" \
  --swift_out="$OUT" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  --grpc-swift-2_out="$OUT" --grpc-swift-2_opt=Visibility=Public,Server=true,Client=true,FileNaming=PathToUnderscores \
  "${files[@]}"
log "generated $(find "$OUT" -name '*.swift' | wc -l) files in $OUT from ${#files[@]} .proto files"
