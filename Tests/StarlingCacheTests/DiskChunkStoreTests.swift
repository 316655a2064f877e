import Foundation
import StarlingCache
import Testing

@Suite struct DiskChunkStoreTests {
  @Test func putThenGetReturnsTheSameBytes() async throws {
    try await withTemporaryDirectory { dir in
      let store = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
      let (key, frame) = sampleChunk(1, frameSize: 5000)
      try await store.put(key, frame)
      #expect(try await store.get(key) == frame)
      #expect(try Data(contentsOf: chunkFile(key, in: dir)) == Data(frame))
      let usage = await store.usage()
      #expect(usage.entries == 1 && usage.bytes == 5000)
    }
  }

  @Test func getOfMissingKeyIsNil() async throws {
    try await withTemporaryDirectory { dir in
      let store = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
      #expect(try await store.get(sampleChunk(7).key) == nil)
    }
  }

  @Test func entriesSurviveReopening() async throws {
    try await withTemporaryDirectory { dir in
      let chunks = (0..<5).map { sampleChunk($0, frameSize: 100 + $0) }
      do {
        let store = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
        for (key, frame) in chunks { try await store.put(key, frame) }
      }
      let reopened = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
      let usage = await reopened.usage()
      #expect(usage.entries == 5 && usage.bytes == Int64(chunks.map(\.frame.count).reduce(0, +)))
      for (key, frame) in chunks { #expect(try await reopened.get(key) == frame) }
    }
  }

  @Test func evictsTheLeastRecentlyPut() async throws {
    try await withTemporaryDirectory { dir in
      let store = try DiskChunkStore(directory: dir, maxBytes: 200)
      let (a, b, c) = (sampleChunk(1), sampleChunk(2), sampleChunk(3))
      for chunk in [a, b, c] { try await store.put(chunk.key, chunk.frame) }
      #expect(try await store.get(a.key) == nil)
      #expect(try await store.get(b.key) == b.frame)
      #expect(try await store.get(c.key) == c.frame)
      #expect(!FileManager.default.fileExists(atPath: chunkFile(a.key, in: dir).path))
      let usage = await store.usage()
      #expect(usage.entries == 2 && usage.bytes == 200)
    }
  }

  @Test func aGetMakesAnEntryRecent() async throws {
    try await withTemporaryDirectory { dir in
      let store = try DiskChunkStore(directory: dir, maxBytes: 200)
      let (a, b, c) = (sampleChunk(1), sampleChunk(2), sampleChunk(3))
      try await store.put(a.key, a.frame)
      try await store.put(b.key, b.frame)
      _ = try await store.get(a.key)
      try await store.put(c.key, c.frame)
      #expect(try await store.get(a.key) == a.frame)
      #expect(try await store.get(b.key) == nil)
      #expect(try await store.get(c.key) == c.frame)
    }
  }

  @Test func recencySurvivesReopeningViaMtime() async throws {
    try await withTemporaryDirectory { dir in
      let (a, b, c) = (sampleChunk(1), sampleChunk(2), sampleChunk(3))
      do {
        let store = try DiskChunkStore(directory: dir, maxBytes: 200)
        try await store.put(a.key, a.frame)
        try await store.put(b.key, b.frame)
      }
      // A was used after B in some earlier life of the store.
      let later = Date().addingTimeInterval(60)
      try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: chunkFile(a.key, in: dir).path)
      let store = try DiskChunkStore(directory: dir, maxBytes: 200)
      try await store.put(c.key, c.frame)
      #expect(try await store.get(a.key) == a.frame)
      #expect(try await store.get(b.key) == nil)
    }
  }

  @Test func oversizedFrameIsNotStored() async throws {
    try await withTemporaryDirectory { dir in
      let store = try DiskChunkStore(directory: dir, maxBytes: 100)
      let small = sampleChunk(1, frameSize: 60)
      let big = sampleChunk(2, frameSize: 101)
      try await store.put(small.key, small.frame)
      try await store.put(big.key, big.frame)
      #expect(try await store.get(big.key) == nil)
      #expect(try await store.get(small.key) == small.frame)
      #expect(try filesOnDisk(dir).count == 1)
    }
  }

  @Test func removeDeletesTheEntry() async throws {
    try await withTemporaryDirectory { dir in
      let store = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
      let (key, frame) = sampleChunk(1)
      try await store.put(key, frame)
      try await store.remove(key)
      try await store.remove(key)  // removing an absent entry is not an error
      #expect(try await store.get(key) == nil)
      #expect(await store.usage() == (0, 0))
      #expect(try filesOnDisk(dir).isEmpty)
    }
  }

  @Test func externallyDeletedFileIsAMissAndLeavesTheIndex() async throws {
    try await withTemporaryDirectory { dir in
      let store = try DiskChunkStore(directory: dir, maxBytes: 1 << 20)
      let (key, frame) = sampleChunk(1)
      try await store.put(key, frame)
      try FileManager.default.removeItem(at: chunkFile(key, in: dir))
      #expect(try await store.get(key) == nil)
      #expect(await store.usage() == (0, 0))
    }
  }

  @Test func unusableDirectoryThrowsChunkStoreError() async throws {
    try await withTemporaryDirectory { dir in
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      let file = dir.appendingPathComponent("not-a-directory")
      try Data("x".utf8).write(to: file)
      #expect(throws: ChunkStoreError.self) {
        try DiskChunkStore(directory: file.appendingPathComponent("store"), maxBytes: 100)
      }
    }
  }
}
