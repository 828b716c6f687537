import HTTPTypes
import HeraldCore
import Hummingbird
import Metrics
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Answers `GET /v1/users/{user}/counts` on the connection's event loop when the answer is a plain
/// 200 from the counts cache, and passes every other request to Hummingbird unchanged.
///
/// A counts read through Hummingbird hops from the event loop to the connection's task, to a
/// memcached worker and back twice; here the request goes from the event loop to the worker and
/// back (``HeraldService/cachedCounts(user:completion:)``). It sits right after NIO's HTTP/1 codec,
/// before the conversion to `HTTPTypes` that Hummingbird's pipeline makes (``install(_:in:)``), so
/// the requests it answers skip that conversion both ways too.
///
/// It takes a request only when the answer cannot differ from Hummingbird's: an HTTP/1.1 `GET` of
/// exactly that path with a valid user id, no body, no `Connection` header but `keep-alive`, no
/// `Origin` when CORS is on, and one `Authorization: Bearer` credential that is an API key or a
/// user token verified before, allowed to read that user. Anything else — a cache miss or outage
/// included — goes to Hummingbird (a miss after the lookup, with the request as it arrived), which
/// answers as it always does. The response carries what Hummingbird's would: the same body,
/// `Content-Type`, `X-Request-Id` (Hummingbird's own id sequence), `Date` and `Server`, and it is
/// counted in `herald_http_requests_total` and `herald_http_request_duration_seconds` under the
/// route's template.
///
/// Requests stay in order: while a lookup is out, later input is held (reading stops once 16 parts
/// wait), and while Hummingbird owes an answer, later requests go to Hummingbird too.
final class CountsFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection's handler shares.
    struct Settings: Sendable {
        let service: HeraldService
        let auth: Authenticator
        /// The `Server` header, as the application sets it.
        let serverName: String?
        /// CORS is on: requests with an `Origin` go to Hummingbird.
        let corsEnabled: Bool
    }

    /// The route template metrics use for counts.
    static let route = "/v1/users/{user}/counts"
    /// `herald_http_fast_answers_total`: the requests answered here.
    static let answers = Counter(label: "herald_http_fast_answers_total")

    private enum State {
        /// Between requests, or inside one that goes to Hummingbird (`passing`).
        case idle
        /// Inside a request that goes to Hummingbird: its body and end follow its head there.
        case passing
        /// A taken request's head was read; its end comes next.
        case reading(HTTPRequestHead, user: String, start: ContinuousClock.Instant)
        /// The counts of a taken request are being looked up.
        case answering(HTTPRequestHead, start: ContinuousClock.Instant)
    }

    /// Input that arrived while a lookup was out, in order.
    private enum Held {
        case part(HTTPServerRequestPart)
        case event(Any)
        case error(any Error)
    }

    private let settings: Settings
    private var state = State.idle
    /// Requests passed to Hummingbird whose response has not ended yet.
    private var unanswered = 0
    private var held: [Held] = []
    /// A read asked for while a lookup was out with ``heldLimit`` parts waiting; issued once it is
    /// answered.
    private var readPending = false

    init(settings: Settings) {
        self.settings = settings
    }

    private var isAnswering: Bool {
        if case .answering = state { return true }
        return false
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if isAnswering {
            held.append(.part(part))
            return
        }
        take(part, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A shutdown's quiesce or the client's half-close must not overtake a pending answer.
        if isAnswering {
            held.append(.event(event))
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A parse error of a request sent ahead makes Hummingbird answer 400: after the pending one.
        if isAnswering {
            held.append(.error(error))
            return
        }
        context.fireErrorCaught(error)
    }

    private func take(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            if unanswered == 0, let user = eligibleUser(head) {
                state = .reading(head, user: user, start: .now)
            } else {
                pass(.head(head), context: context)
                state = .passing
            }
        case (.reading(let head, let user, let start), .end):
            state = .answering(head, start: start)
            lookUp(user, context: context)
        case (.reading(let head, _, _), _):
            // A body nothing announced: Hummingbird gets the request as it is.
            pass(.head(head), context: context)
            state = .passing
            take(part, context: context)
        case (.passing, .end):
            context.fireChannelRead(wrapInboundOut(part))
            state = .idle
        default:
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// Passes a head to Hummingbird, which then owes it an answer.
    private func pass(_ head: HTTPServerRequestPart, context: ChannelHandlerContext) {
        unanswered += 1
        context.fireChannelRead(wrapInboundOut(head))
    }

    /// The user of a request this handler can answer exactly as Hummingbird would; nil otherwise.
    private func eligibleUser(_ head: HTTPRequestHead) -> String? {
        let path = head.uri
        guard head.method == .GET, head.version == .http1_1, path.hasPrefix("/v1/users/"), path.hasSuffix("/counts")
        else { return nil }
        let headers = head.headers
        guard !headers.contains(name: "content-length"), !headers.contains(name: "transfer-encoding"),
            headers["connection"].allSatisfy({ $0.lowercased() == "keep-alive" }),
            !settings.corsEnabled || !headers.contains(name: "origin")
        else { return nil }
        let user = path.utf8.dropFirst(10).dropLast(7)
        guard !user.isEmpty, Identifier.isValid(Substring(user)) else { return nil }
        let authorization = headers["authorization"]
        guard authorization.count == 1, let credential = Authenticator.bearerCredential(authorization[0]),
            let principal = settings.auth.knownPrincipal(for: credential)
        else { return nil }
        let id = String(Substring(user))
        do {
            try principal.authorize(user: id)
        } catch {
            return nil
        }
        return id
    }

    // MARK: The lookup

    private func lookUp(_ user: String, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let handler = NIOLoopBound((self, context), eventLoop: loop)
        settings.service.cachedCounts(user: user) { counts in
            loop.execute {
                let (handler, context) = handler.value
                handler.answered(counts, context: context)
            }
        }
    }

    private func answered(_ counts: Counts?, context: ChannelHandlerContext) {
        guard case .answering(let head, let start) = state else { return }
        state = .idle
        guard context.channel.isActive else {
            held.removeAll()
            return
        }
        if let counts {
            respond(counts, start: start, context: context)
        } else {
            pass(.head(head), context: context)
            context.fireChannelRead(wrapInboundOut(.end(nil)))
        }
        while !held.isEmpty, !isAnswering {
            switch held.removeFirst() {
            case .part(let part): take(part, context: context)
            case .event(let event): context.fireUserInboundEventTriggered(event)
            case .error(let error): context.fireErrorCaught(error)
            }
        }
        // What went on to Hummingbird's task reaches it at a read's completion.
        context.fireChannelReadComplete()
        if readPending, !isAnswering {
            readPending = false
            context.read()
        }
    }

    private func respond(_ counts: Counts, start: ContinuousClock.Instant, context: ChannelHandlerContext) {
        let body = counts.jsonBytes
        // Names and order as Hummingbird's response arrives here from the HTTPTypes conversion.
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "X-Request-Id", value: RequestID().description)
        headers.add(name: "Date", value: HTTPDate.now)
        if let serverName = settings.serverName { headers.add(name: "Server", value: serverName) }
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        Self.answers.increment()
        HTTPRequestMetrics.shared.record(
            route: Self.route, method: .get, status: 200, nanoseconds: start.nanosecondsElapsed)
    }

    // MARK: Outbound

    /// Reads go on while a lookup is out, so a client that waits for each answer costs no change
    /// of the socket's epoll registration (two `epoll_ctl` calls per request when every read was
    /// held). A client that sends ahead is read until ``heldLimit`` parts wait.
    func read(context: ChannelHandlerContext) {
        if isAnswering, held.count >= Self.heldLimit {
            readPending = true
            return
        }
        context.read()
    }

    /// How many request parts may wait behind a lookup before reading stops.
    static let heldLimit = 16

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), unanswered > 0 { unanswered -= 1 }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        held.removeAll()
        context.fireChannelInactive()
    }

    /// Puts a handler right after NIO's HTTP/1 codec in `pipeline`, which Hummingbird has set up
    /// with the conversion to `HTTPTypes` (`HTTP1ToHTTPServerCodec`) next; does nothing without it.
    static func install(_ settings: Settings, in pipeline: ChannelPipeline.SynchronousOperations) {
        guard let conversion = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) else { return }
        try? pipeline.addHandler(CountsFastPath(settings: settings), position: .before(conversion))
    }
}
