import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP proxy in front of a real registry that injects faults: error statuses, bodies
/// that break off mid-transfer, flipped bytes. Tests point a client at `address`.
///
/// Besides per-request rules, two switches change it while a client runs: `setOutage(_:)`
/// (the registry is down: every request fails) and `setCorruptingBlobBodies(_:)` (blob GET
/// bodies arrive damaged), so a mount can read its indexes first and meet the fault later.
public final class FaultProxy: Sendable {
  /// A fault applied to matching requests.
  public enum Fault: Sendable {
    /// Answer with this status instead of forwarding.
    case status(UInt)
    /// Forward, but close the connection after this many body bytes.
    case cutBody(after: Int)
    /// Forward, with the byte at this body offset inverted.
    case corrupt(at: Int)
    /// Answer 307 pointing at the same path under another base URL (a storage backend).
    case redirect(toBase: String)
    /// Close the connection without answering (a registry that is going away).
    case closeConnection
  }

  /// How every request fails while the registry is down.
  public enum Outage: Sendable {
    /// Answer with this status (503: unavailable).
    case status(UInt)
    /// Close each connection as soon as a request arrives on it.
    case closeConnection
  }

  /// Which requests a fault applies to, and how many times.
  public struct Rule: Sendable {
    public var method: String?
    public var pathContains: String
    public var fault: Fault
    public var times: Int

    public init(method: String? = nil, pathContains: String, fault: Fault, times: Int = .max) {
      self.method = method
      self.pathContains = pathContains
      self.fault = fault
      self.times = times
    }
  }

  private struct State {
    var rules: [Rule] = []
    var log: [String] = []
    var outage: Outage?
    /// Flip a bit every this many bytes of blob GET bodies.
    var corruptionStride: Int?
    var failedByOutage = 0
    var corruptedBodies = 0
    var blobBodyBytes = 0
    /// Bearer tokens older than this (since first seen) are treated as expired.
    var tokenLifetime: Duration?
    var tokenFirstSeen: [String: ContinuousClock.Instant] = [:]
    var staleTokensRejected = 0
  }

  private let state = Mutex(State())
  private let upstream: String
  private let client: HTTPClient
  private let channel: any Channel

  /// `host:port` the proxy listens on (loopback).
  public let address: String

  /// Starts a proxy to `upstream` (`http://host:port`).
  public init(upstream: String) async throws {
    self.upstream = upstream
    var config = HTTPClient.Configuration()
    config.redirectConfiguration = .disallow
    config.decompression = .disabled
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    self.client = client
    let core = Core(upstream: upstream, client: client)
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          try channel.pipeline.syncOperations.addHandler(ProxyHandler(core: core))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    self.channel = channel
    self.address = "127.0.0.1:\(channel.localAddress?.port ?? 0)"
    core.proxy.withLock { $0 = self }
  }

  /// Adds a fault rule; earlier rules win.
  public func add(_ rule: Rule) {
    state.withLock { $0.rules.append(rule) }
  }

  /// Removes all rules.
  public func clearRules() {
    state.withLock { $0.rules.removeAll() }
  }

  /// Requests seen, as `METHOD path`, with ` +auth` when an Authorization header came along.
  public var requests: [String] { state.withLock { $0.log } }

  /// Takes the registry down (every request fails as `outage` says, before any rule) or,
  /// with nil, brings it back.
  public func setOutage(_ outage: Outage?) {
    state.withLock { $0.outage = outage }
  }

  /// While on, every blob GET body is forwarded with one bit flipped every `stride` bytes
  /// (from `stride / 2` on), so each chunk frame of a range answer arrives damaged.
  public func setCorruptingBlobBodies(_ on: Bool, stride: Int = 4096) {
    precondition(stride > 0)
    state.withLock { $0.corruptionStride = on ? stride : nil }
  }

  /// Requests failed because of an outage.
  public var requestsFailedByOutage: Int { state.withLock { $0.failedByOutage } }
  /// Body bytes of blob responses forwarded so far: what a client fetched of layers.
  public var blobBytesServed: Int { state.withLock { $0.blobBodyBytes } }

  func countBlobBytes(_ uri: String, _ count: Int) {
    guard uri.contains("/blobs/") else { return }
    state.withLock { $0.blobBodyBytes += count }
  }

  /// Enforces Bearer token expiry strictly (the registry allows a minute of clock skew): a
  /// token first seen more than `lifetime` ago is dropped from the request, so the registry
  /// answers 401 with its challenge, as for an expired token. nil turns it off.
  public func setTokenLifetime(_ lifetime: Duration?) {
    state.withLock { $0.tokenLifetime = lifetime }
  }

  /// Requests whose Bearer token `setTokenLifetime` found expired.
  public var staleTokensRejected: Int { state.withLock { $0.staleTokensRejected } }

  /// Whether `authorization` carries a token past the configured lifetime (and counts it).
  func isExpired(_ authorization: String?) -> Bool {
    guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
    return state.withLock { state in
      guard let lifetime = state.tokenLifetime else { return false }
      let first = state.tokenFirstSeen[authorization, default: .now]
      state.tokenFirstSeen[authorization] = first
      guard first.duration(to: .now) > lifetime else { return false }
      state.staleTokensRejected += 1
      return true
    }
  }

  /// Blob bodies damaged by `setCorruptingBlobBodies`.
  public var corruptedBodies: Int { state.withLock { $0.corruptedBodies } }

  /// Stops listening and closes the upstream client.
  public func shutdown() async throws {
    try await channel.close()
    try await client.shutdown()
  }

  fileprivate func fault(method: String, uri: String, authorized: Bool) -> Fault? {
    state.withLock { s in
      s.log.append("\(method) \(uri)\(authorized ? " +auth" : "")")
      switch s.outage {
      case .status(let code):
        s.failedByOutage += 1
        return .status(code)
      case .closeConnection:
        s.failedByOutage += 1
        return .closeConnection
      case nil: break
      }
      for i in s.rules.indices
      where s.rules[i].times > 0 && uri.contains(s.rules[i].pathContains)
        && (s.rules[i].method == nil || s.rules[i].method == method)
      {
        s.rules[i].times -= 1
        return s.rules[i].fault
      }
      return nil
    }
  }

  /// The corruption stride for a body of `method uri`, counting it as damaged, or nil.
  fileprivate func corruptionStride(method: String, uri: String) -> Int? {
    state.withLock { s in
      guard method == "GET", uri.contains("/blobs/"), let stride = s.corruptionStride else { return nil }
      s.corruptedBodies += 1
      return stride
    }
  }

  fileprivate final class Core: Sendable {
    let upstream: String
    let client: HTTPClient
    let proxy = Mutex<FaultProxy?>(nil)

    init(upstream: String, client: HTTPClient) {
      self.upstream = upstream
      self.client = client
    }

    struct Reply: Sendable {
      var head: HTTPResponseHead
      var body: ByteBuffer
      var cutAfter: Int?
      /// Close the connection instead of answering.
      var drop = false
    }

    func forward(_ head: HTTPRequestHead, body: ByteBuffer) async throws -> Reply {
      let proxy = self.proxy.withLock { $0 }
      let fault = proxy?
        .fault(method: head.method.rawValue, uri: head.uri, authorized: head.headers.contains(name: "Authorization"))
      if case .closeConnection = fault {
        return Reply(
          head: HTTPResponseHead(version: .http1_1, status: .serviceUnavailable), body: ByteBuffer(), drop: true)
      }
      if case .redirect(let base) = fault {
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: base + head.uri)
        headers.add(name: "Content-Length", value: "0")
        return Reply(
          head: HTTPResponseHead(version: .http1_1, status: .temporaryRedirect, headers: headers), body: ByteBuffer())
      }
      if case .status(let code) = fault {
        var headers = HTTPHeaders()
        let text = #"{"errors":[{"code":"UNAVAILABLE","message":"injected by FaultProxy"}]}"#
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: "\(text.utf8.count)")
        return Reply(
          head: HTTPResponseHead(version: .http1_1, status: .init(statusCode: Int(code)), headers: headers),
          body: ByteBuffer(string: text))
      }
      var request = HTTPClientRequest(url: upstream + head.uri)
      request.method = head.method
      let expired = proxy?.isExpired(head.headers.first(name: "Authorization")) ?? false
      var dropped = ["host", "connection", "content-length"]
      if expired { dropped.append("authorization") }
      for (name, value) in head.headers where !dropped.contains(name.lowercased()) {
        request.headers.add(name: name, value: value)
      }
      if body.readableBytes > 0 { request.body = .bytes(body) }
      let response = try await client.execute(request, timeout: .seconds(60))
      var data = try await response.body.collect(upTo: 1 << 30)
      var headers = response.headers
      headers.remove(name: "Connection")
      headers.remove(name: "Transfer-Encoding")
      if head.method != .HEAD {
        headers.replaceOrAdd(name: "Content-Length", value: "\(data.readableBytes)")
      }
      var cutAfter: Int?
      switch fault {
      case .cutBody(let after): cutAfter = after
      case .corrupt(let offset) where offset < data.readableBytes:
        let byte = data.getInteger(at: data.readerIndex + offset, as: UInt8.self) ?? 0
        data.setInteger(~byte, at: data.readerIndex + offset)
      default: break
      }
      if data.readableBytes > 0, (200..<300).contains(response.status.code),
        let stride = proxy?.corruptionStride(method: head.method.rawValue, uri: head.uri)
      {
        for offset in Swift.stride(from: stride / 2, to: data.readableBytes, by: stride) {
          let byte = data.getInteger(at: data.readerIndex + offset, as: UInt8.self) ?? 0
          data.setInteger(byte ^ 0x10, at: data.readerIndex + offset)
        }
      }
      if head.method != .HEAD { proxy?.countBlobBytes(head.uri, min(data.readableBytes, cutAfter ?? .max)) }
      return Reply(
        head: HTTPResponseHead(version: .http1_1, status: response.status, headers: headers), body: data,
        cutAfter: cutAfter)
    }
  }
}

/// Buffers one request, forwards it through the core, writes the (possibly faulty) reply.
private final class ProxyHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let core: FaultProxy.Core
  private var head: HTTPRequestHead?
  private var body = ByteBuffer()

  init(core: FaultProxy.Core) {
    self.core = core
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let h):
      head = h
      body.clear()
    case .body(var chunk):
      body.writeBuffer(&chunk)
    case .end:
      guard let head else { return }
      let body = self.body
      let core = self.core
      let bound = NIOLoopBound((context, self), eventLoop: context.eventLoop)
      context.eventLoop.makeFutureWithTask { try await core.forward(head, body: body) }.whenComplete { result in
        let (context, handler) = bound.value
        handler.write(result, context: context)
      }
    }
  }

  private func write(_ result: Result<FaultProxy.Core.Reply, any Error>, context: ChannelHandlerContext) {
    guard case .success(let reply) = result else {
      var headers = HTTPHeaders()
      headers.add(name: "Content-Length", value: "0")
      context.write(
        wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badGateway, headers: headers))), promise: nil
      )
      context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
      return
    }
    if reply.drop {
      context.close(promise: nil)
      return
    }
    context.write(wrapOutboundOut(.head(reply.head)), promise: nil)
    if let cut = reply.cutAfter {
      let part =
        reply.body.getSlice(at: reply.body.readerIndex, length: min(cut, reply.body.readableBytes)) ?? ByteBuffer()
      context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part))), promise: nil)
      context.close(promise: nil)
      return
    }
    if reply.body.readableBytes > 0 {
      context.write(wrapOutboundOut(.body(.byteBuffer(reply.body))), promise: nil)
    }
    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
  }
}
