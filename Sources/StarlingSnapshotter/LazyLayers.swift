import AsyncHTTPClient
public import Foundation
public import Logging
import StarlingCache
import StarlingConvert
import StarlingFetch
import StarlingFormat
public import StarlingMount
import StarlingOCI
public import StarlingRegistry
import Synchronization

/// Mounts Starling layers lazily for the snapshotter: resolves the layer's descriptor from
/// its image's manifest (cached per image), reads the index, serves it with FUSE. Owns the
/// daemon's registry HTTP client and the node's blob cache.
public final class LazyLayers: Sendable {
  let store: DiskChunkStore
  let http: HTTPClient
  let configuration: RegistryConfiguration
  let options: ImageMount.Options
  /// Hosts serving the same repositories as a registry, tried before it for chunks.
  let mirrors: [String: [String]]
  let logger: Logger
  private let manifests = Mutex<[String: Manifest]>([:])
  private let mounted = Mutex<[String: LayerMount]>([:])

  /// A blob cache under `cache` bounded by `cacheBytes`; registries reached with
  /// `configuration`, chunks tried from `mirrors[registry]` first; a read gets EIO after
  /// `fetchTimeout` of failing sources.
  public init(
    cache: URL, cacheBytes: Int64, configuration: RegistryConfiguration, mirrors: [String: [String]] = [:],
    fetchTimeout: Duration = .seconds(60), logger: Logger
  ) throws {
    var options = ImageMount.Options()
    options.fetch.fetchTimeout = fetchTimeout
    store = try DiskChunkStore(directory: cache, maxBytes: cacheBytes)
    http = RegistryClient.makeHTTPClient(configuration: configuration)
    self.configuration = configuration
    self.options = options
    self.mirrors = mirrors
    self.logger = logger
  }

  /// Mounts layer `digest` of `image` at `path`; throws `LazyFallback.failed` with the reason.
  public func mount(image: String, digest: String, at path: String) async throws -> LayerMount {
    do {
      let reference = try ImageReference(parsing: image)
      let source = RegistryImage(
        client: RegistryClient(registry: reference.registry, http: http, configuration: configuration),
        reference: reference)
      let manifest = try await self.manifest(of: source, image: image)
      guard let layer = manifest.layers.first(where: { $0.digest.description == digest }) else {
        throw LazyFallback.failed("layer \(digest) is not in the manifest of \(image)")
      }
      guard ImageConverter.isStarlingLayer(layer) else {
        throw LazyFallback.failed("the manifest of \(image) does not describe \(digest) as a Starling layer")
      }
      let reader = try await StarlingLayerReader(source: source, layer: layer)
      let mount = try LayerMount.mount(
        reader, at: path, store: store, sources: sources(for: reference, origin: source),
        options: options, trace: nil, logger: logger)
      SnapshotterMetrics.lazyMounts(
        mounted.withLock {
          $0[path] = mount; return $0.count
        })
      return mount
    } catch let fallback as LazyFallback {
      throw fallback
    } catch {
      throw LazyFallback.failed("\(error)")
    }
  }

  /// Chunk sources for an image: its registry's mirrors (same repository), then the registry.
  private func sources(for reference: ImageReference, origin: RegistryImage) -> [any ChunkSource] {
    // No retries against a mirror: the registry behind it is the fallback.
    var direct = configuration
    direct.retry = RetryPolicy(maxAttempts: 1)
    let viaMirrors: [any ChunkSource] = (mirrors[reference.registry] ?? []).map { host in
      var mirrored = reference
      mirrored.registry = host
      return RangeReaderChunkSource(
        name: "mirror \(host)", kind: "mirror",
        reader: RegistryImage(
          client: RegistryClient(registry: host, http: http, configuration: direct), reference: mirrored))
    }
    return viaMirrors + [RangeReaderChunkSource(name: "registry", reader: origin)]
  }

  /// The image manifest for this machine's platform, fetched once per image.
  private func manifest(of source: RegistryImage, image: String) async throws -> Manifest {
    if let cached = manifests.withLock({ $0[image] }) { return cached }
    let manifest = try await source.imageManifest(for: Platform.current)
    manifests.withLock { $0[image] = manifest }
    return manifest
  }

  /// Whether a lazy layer is being served at `path`.
  public func isMounted(_ path: String) -> Bool { mounted.withLock { $0[path] != nil } }

  /// Stops serving the layer at `path` (before its snapshot is removed).
  public func unmount(_ path: String) async {
    guard let (mount, left) = mounted.withLock({ all in all.removeValue(forKey: path).map { ($0, all.count) } })
    else { return }
    SnapshotterMetrics.lazyMounts(left)
    await mount.stop(grace: .seconds(2))
  }

  /// Stops every layer and the HTTP client (daemon shutdown).
  public func shutdown() async {
    let all = mounted.withLock { current in
      defer { current.removeAll() }
      return Array(current.values)
    }
    await withTaskGroup(of: Void.self) { group in
      for mount in all { group.addTask { await mount.stop(grace: .seconds(2)) } }
    }
    try? await http.shutdown()
  }
}
