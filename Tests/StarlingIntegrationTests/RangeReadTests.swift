import Foundation
import StarlingConvert
import StarlingFormat
import StarlingOCI
import StarlingRegistry
import StarlingTestSupport
import Testing

/// Reading byte ranges of files through the index: Range GETs of just the needed frames
/// from the real registry, zstd decode, compared with the original image's files.
@Suite(.serialized) struct RangeReadTests {
  @Test func randomFileRangesMatchTheOriginalBytes() async throws {
    let converted = try ConvertedFixture("python", repositoryPrefix: "range-read")
    let (env, repo, original) = (converted.env, converted.repository, converted.original)

    try await withRegistry(env.registry) { client in
      let image = RegistryImage(
        client: client, reference: ImageReference(registry: env.registry, repository: repo, tag: "1"))
      guard case .manifest(let manifest) = try await image.resolveRoot().content else {
        Issue.record("expected a manifest")
        return
      }
      var readers: [StarlingLayerReader] = []
      for layer in manifest.layers { readers.append(try await StarlingLayerReader(source: image, layer: layer)) }
      let indexBytes = readers.reduce(0) { $0 + $1.bytesFetched }
      // Files whose final content comes from layer L: regular in L, absent from every layer above.
      var candidates: [(reader: Int, path: String, size: UInt64)] = []
      for (l, reader) in readers.enumerated() {
        for i in 0..<reader.index.entryCount {
          let record = try reader.index.entry(i)
          guard record.isRegular, record.size > 0 else { continue }
          let path = try reader.index.path(of: i)
          if try readers[(l + 1)...].allSatisfy({ try $0.index.lookup(path: path) == nil }) {
            candidates.append((l, path, record.size))
          }
        }
      }
      var generator = SeededGenerator(seed: 2026)
      var requested = 0
      for _ in 0..<60 {
        let pick = candidates[Int.random(in: 0..<candidates.count, using: &generator)]
        let start = UInt64.random(in: 0..<pick.size, using: &generator)
        let end =
          Bool.random(using: &generator) ? pick.size : UInt64.random(in: start + 1...pick.size, using: &generator)
        let bytes = try await readers[pick.reader].read(path: pick.path, range: start..<end)
        let truth = try Data(contentsOf: original.appending(path: pick.path))
        #expect(Data(bytes) == truth.subdata(in: Int(start)..<Int(end)), "\(pick.path) [\(start), \(end))")
        requested += Int(end - start)
      }
      // A large file read across chunk boundaries.
      let big = try #require(candidates.max { $0.size < $1.size })
      let span = big.size / 3..<min(big.size, big.size / 3 + 3 << 20)
      let bigBytes = try await readers[big.reader].read(path: big.path, range: span)
      let bigTruth = try Data(contentsOf: original.appending(path: big.path))
      #expect(Data(bigBytes) == bigTruth.subdata(in: Int(span.lowerBound)..<Int(span.upperBound)))
      let fetched = readers.reduce(0) { $0 + $1.bytesFetched }
      let imageSize = manifest.layers.reduce(Int64(0)) { $0 + $1.size }
      print(
        "range reads: 61 reads of \(requested + span.count) file bytes fetched \(fetched) blob bytes "
          + "(\(indexBytes) of them indexes) of a \(imageSize)-byte image (\(String(format: "%.1f", Double(fetched) * 100 / Double(imageSize)))%)"
      )
      #expect(fetched < Int(imageSize) / 2)
    }
  }
}
