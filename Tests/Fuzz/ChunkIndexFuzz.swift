// libFuzzer entry point for the chunk index decoder (ChunkIndex) and footer, built by Tools/fuzz.sh with
// Sources/StarlingFormat and Sources/StarlingCompression in one module. Errors are expected; crashes, hangs
// and out-of-bounds reads (ASan) are bugs. Every accessor a reader uses is exercised on whatever opens.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if bytes.count >= LayerFormat.footerFrameSize {
    _ = try? IndexFooter(frame: Array(bytes.suffix(LayerFormat.footerFrameSize)))
  }
  guard let index = try? ChunkIndex(bytes: bytes) else { return 0 }
  walk(index)
  return 0
}

private func walk(_ index: ChunkIndex) {
  let entries = min(index.entryCount, 512)
  for i in 0..<entries {
    guard let record = try? index.entry(i) else { continue }
    _ = try? index.name(of: record)
    _ = try? index.path(of: i)
    _ = try? index.xattrs(of: record)
    if record.isSymlink { _ = try? index.symlinkTarget(of: record) }
    if record.isDirectory, let children = try? index.children(of: i) {
      for child in children.prefix(64) {
        if let name = try? index.name(of: try index.entry(child)) { _ = try? index.lookup(parent: i, name: name) }
      }
    }
    _ = try? index.chunks(of: record, range: 0..<UInt64.max)
    _ = try? index.chunks(of: record, range: record.size / 2..<record.size / 2 + 1)
  }
  for i in 0..<min(index.frameCount, 512) { _ = try? index.frame(i) }
  _ = try? index.frames(covering: 0..<UInt64.max)
  _ = try? index.lookup(path: "usr/bin/env")
  _ = try? index.lookup(path: "a/b/c/d/e/f")
}
