import NIOCore
import NIOHTTP1
import NIOPosix
public import Prometheus

/// Serves `GET /metrics` (Prometheus text format) from a collector registry on a TCP address.
public final class MetricsEndpoint: Sendable {
  private let channel: any Channel

  private init(channel: any Channel) { self.channel = channel }

  /// Listens on `host:port` (port 0: any free port).
  public static func start(host: String, port: Int, registry: PrometheusCollectorRegistry) async throws
    -> MetricsEndpoint
  {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap {
          channel.pipeline.addHandler(MetricsHandler(registry: registry))
        }
      }
      .bind(host: host, port: port).get()
    return MetricsEndpoint(channel: channel)
  }

  /// The bound address, e.g. `127.0.0.1:9464`.
  public var address: String {
    guard let local = channel.localAddress, let port = local.port else { return "?" }
    let ip = local.ipAddress ?? "?"
    return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
  }

  /// Stops listening.
  public func stop() async {
    try? await channel.close()
  }
}

/// One request at a time per connection: `/metrics` gets the registry's text, anything else 404.
private final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let registry: PrometheusCollectorRegistry
  private var head: HTTPRequestHead?

  init(registry: PrometheusCollectorRegistry) { self.registry = registry }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let request): head = request
    case .body: break
    case .end:
      guard let request = head else { return }
      head = nil
      let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
      let found = path == "/metrics" && (request.method == .GET || request.method == .HEAD)
      let body = found ? registry.emitToBuffer() : Array("not found: try GET /metrics\n".utf8)
      var headers = HTTPHeaders()
      headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
      headers.add(name: "Content-Length", value: "\(body.count)")
      let keepAlive = request.isKeepAlive
      if !keepAlive { headers.add(name: "Connection", value: "close") }
      context.write(
        wrapOutboundOut(
          .head(HTTPResponseHead(version: request.version, status: found ? .ok : .notFound, headers: headers))),
        promise: nil)
      if request.method != .HEAD {
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
      }
      context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
        if !keepAlive { context.close(promise: nil) }
      }
    }
  }
}
