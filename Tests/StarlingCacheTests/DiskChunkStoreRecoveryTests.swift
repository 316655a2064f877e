import Foundation
import StarlingCache
import StarlingFormat
import Testing

@Suite struct DiskChunkStoreRecoveryTests {
  @Test func initRemovesLeftoversAndNeverReturnsThem() async throws {
    try await withTemporaryDirectory { dir in
      let good = sampleChunk(1)
      do {
        let store = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
        try await store.put(good.key, good.frame)
      }
      // Simulate a crash mid-write plus assorted junk in chunks/.
      let fm = FileManager.default
      let torn = sampleChunk(2)
      try Data(torn.frame.prefix(10)).write(to: dir.appendingPathComponent("tmp/123-4-5.tmp"))
      try Data("garbage".utf8).write(to: dir.appendingPathComponent("tmp/other"))
      let shard = good.key.digest.encoded.prefix(2)
      try Data("junk".utf8).write(to: dir.appendingPathComponent("chunks/\(shard)/not-a-chunk"))
      try Data("junk".utf8).write(to: dir.appendingPathComponent("chunks/\(shard)/\(good.key.digest.encoded)-0x1"))
      try Data("junk".utf8).write(to: dir.appendingPathComponent("chunks/stray"))
      try fm.createDirectory(at: dir.appendingPathComponent("chunks/zz/deep"), withIntermediateDirectories: true)
      // A well-formed name in the wrong shard is not where lookups go: also junk.
      let wrongShard = shard == "00" ? "01" : "00"
      try fm.createDirectory(at: dir.appendingPathComponent("chunks/\(wrongShard)"), withIntermediateDirectories: true)
      try Data(torn.frame).write(
        to: dir.appendingPathComponent("chunks/\(wrongShard)/\(torn.key.digest.encoded)-\(torn.key.size)"))

      let store = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
      #expect(try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("tmp").path).isEmpty)
      #expect(try filesOnDisk(dir) == ["\(shard)/\(good.key.digest.encoded)-\(good.key.size)": 100])
      #expect(await store.usage() == (1, 100))
      #expect(try await store.get(good.key) == good.frame)
      #expect(try await store.get(torn.key) == nil)
    }
  }

  @Test func reopeningWithASmallerBudgetEvicts() async throws {
    try await withTemporaryDirectory { dir in
      do {
        let store = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
        for seed in 0..<5 { try await store.put(sampleChunk(seed).key, sampleChunk(seed).frame) }
      }
      let store = try DiskChunkStore(directory: dir, maxBytes: 250)
      #expect(await store.usage() == (2, 200))
      #expect(try filesOnDisk(dir).count == 2)
    }
  }

  @Test func concurrentPutsAndGetsKeepUsageConsistentWithDisk() async throws {
    try await withTemporaryDirectory { dir in
      let maxBytes: Int64 = 20_000
      let store = try DiskChunkStore(directory: dir, maxBytes: maxBytes)
      let chunks = (0..<60).map { sampleChunk($0, frameSize: 500 + $0 * 10) }
      let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
        for worker in 0..<16 {
          group.addTask {
            var bad = 0
            for step in 0..<50 {
              let chunk = chunks[(worker * 7 + step * 13) % chunks.count]
              if step % 3 == 0 {
                try await store.put(chunk.key, chunk.frame)
              } else if let got = try await store.get(chunk.key), got != chunk.frame {
                bad += 1
              }
              if step % 17 == 0 { try await store.remove(chunks[(worker + step) % chunks.count].key) }
            }
            return bad
          }
        }
        return try await group.reduce(0, +)
      }
      #expect(mismatches == 0)
      let usage = await store.usage()
      let files = try filesOnDisk(dir)
      #expect(usage.entries == files.count)
      #expect(usage.bytes == files.values.reduce(0, +))
      #expect(usage.bytes <= maxBytes)
      #expect(usage.entries > 0)
    }
  }
}
