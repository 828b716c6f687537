import HTTPTypes
import HeraldCore
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Answers the hottest requests on the connection's event loop — `GET /v1/users/{user}/counts`
/// and `GET /v1/users/{user}/notifications/{id}` when the cache holds the answer, a list
/// `GET /v1/users/{user}/notifications`, a single `POST /v1/notifications`, a state change
/// `POST /v1/users/{user}/notifications/{id}/{read|unread|archive|unarchive}`, a
/// `DELETE /v1/users/{user}/notifications/{id}`, and the bulk `POST /v1/users/{user}/seen` and
/// `…/notifications/read-all` without a body, and the opening of a stream
/// `GET /v1/users/{user}/stream` — and passes every other request to Hummingbird unchanged.
///
/// A request through Hummingbird hops from the event loop to the connection's task and back, and
/// from that task to each worker it waits on and back again. Here a counts read goes from the
/// event loop to a memcached worker and back (``HeraldService/countsWithoutFilling(user:completion:)``,
/// and ``HeraldService/notificationWithoutFilling(user:id:completion:)`` for one notification), a list
/// from the event loop to a SQLite reader thread, which also writes the answer's JSON, and back
/// (``HeraldService/list(_:completion:)``), and a create or a state change from the event loop to
/// the SQLite writer, which also updates the counts cache after the transaction
/// (``AfterCompletions``), and back (``HeraldService/create(_:completion:)``,
/// ``HeraldService/change(_:user:id:completion:)``). The handler sits right after NIO's HTTP/1
/// codec, before the conversion to `HTTPTypes` that Hummingbird's pipeline makes (``install(_:in:)``),
/// so the requests it answers skip that conversion both ways too.
///
/// It takes a request only when the answer cannot differ from Hummingbird's: HTTP/1.1 with no
/// `Connection` header but `keep-alive`, HTTP/1.0 with `Connection: keep-alive` and no other (not a
/// stream; answered with `Connection: keep-alive`, as ``HTTP1AnswerRewriter`` makes Hummingbird's
/// answers), or HTTP/1.1 or 1.0 ending its connection (not a stream; answered with `Connection:
/// close`, then the output is closed and nothing more is read, as Hummingbird does), no `Origin`
/// when CORS is on, and one `Authorization: Bearer` credential known
/// without verifying a signature (an API key, or a user token verified before); then
/// - a counts read: a `GET` of exactly that path with a valid user id, no body, by a caller allowed
///   to read that user. While the cache is down the counts come from the store (one hop to a reader
///   thread), as Hummingbird's route reads them then. A cache miss, or a cache failure during the
///   lookup, sends the request to Hummingbird as it arrived, which answers as it always does;
/// - a notification read: the same, for a `GET` of exactly `/v1/users/{user}/notifications/{id}`
///   with valid ids (not `read-all`, a `POST` route of its own) and a fresh entry in the
///   notification cache, or the store's answer (200 or 404) while that cache is down;
/// - a list: a `GET` of `/v1/users/{user}/notifications` with a valid user id, by a caller allowed
///   to read that user, and no query or one that needs no decoding and makes a valid list
///   (``plainQueryParameters(_:)``). Every outcome (200, a store failure) is answered here; any
///   other query goes to Hummingbird, which decodes it and answers (the error, for an invalid one);
/// - a create: a `POST` of exactly that path by an API key, with a `Content-Length` body of at most
///   ``JSONIO/singleBodyLimit`` bytes, a JSON `Content-Type` and no `Content-Encoding` (an `Expect: 100-continue` was
///   answered before this handler by ``ExpectContinueHandler``, for Hummingbird's requests alike).
///   A body that is not a valid notification goes to Hummingbird, which gives the error; every
///   outcome of a valid one (201, 200 replay, 409 conflict, a store failure) is answered here;
/// - a state change, seen or read-all (`POST`), or a delete (`DELETE`): exactly such a path with
///   valid user (and notification) ids, no body (no `Content-Length` but `0`), by a caller allowed to change that
///   user's notifications. Every outcome (200, 404 unknown, a store failure) is answered here; a
///   read-all with a body (a type or tag filter) goes to Hummingbird;
/// - a stream: a `GET` of exactly that path with a valid user id, no body, no query or a plain one,
///   at most one `Last-Event-ID`, by a caller allowed to read that user, whose credential (the
///   `Authorization` header, or else the query's `access_token`) is known (``streamRoute(_:_:)``).
///   Its head goes out through ``SSEChannelHandler``, which writes the stream from then on, as it
///   does behind the stream route; Hummingbird's router, middleware and connection task never see
///   the request (measured: 756 → 601 µs of server CPU per stream opened on a new connection).
///
/// Responses carry what Hummingbird's would: the same status, body, `Content-Type`, `X-Request-Id`
/// (Hummingbird's own id sequence), `Date` and `Server`, and they are counted in
/// `herald_http_requests_total` and `herald_http_request_duration_seconds` under the route's template.
///
/// Requests stay in order: while an answer is being worked out, later input is held (reading stops
/// once 16 parts wait), and while Hummingbird owes an answer, later requests go to Hummingbird too.
final class FastPath: ChannelDuplexHandler, RemovableChannelHandler, RequestLedger {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection's handler shares.
    struct Settings: Sendable {
        let service: HeraldService
        let auth: Authenticator
        let streams: StreamSettings
        /// The `Server` header, as the application sets it.
        let serverName: String?
        /// CORS is on: requests with an `Origin` go to Hummingbird.
        let corsEnabled: Bool
        /// Where failed creates (5xx) are logged, as Hummingbird's error handling logs them.
        let logger: Logger
        /// The answers given here, counted for this server alone.
        let tally: FastAnswerTally
    }

    /// The route templates metrics use.
    static let countsRoute = "/v1/users/{user}/counts"
    static let createRoute = "/v1/notifications"
    /// `herald_http_fast_answers_total`: the requests answered here.
    static let answers = Counter(label: "herald_http_fast_answers_total")

    /// The route template metrics use for a notification's read and delete.
    static let notificationRoute = "/v1/users/{user}/notifications/{id}"
    /// The route template metrics use for a list.
    static let listRoute = "/v1/users/{user}/notifications"

    /// The route template metrics use for a state change.
    static func changeRoute(_ change: StateChange) -> String {
        "/v1/users/{user}/notifications/{id}/\(change.rawValue)"
    }

    /// A change of all of a user's notifications.
    private enum Bulk {
        case seen, readAll

        /// The route template metrics use.
        var route: String {
            switch self {
            case .seen: "/v1/users/{user}/seen"
            case .readAll: "/v1/users/{user}/notifications/read-all"
            }
        }
    }

    /// A request this handler takes.
    private enum Route {
        case counts(user: String)
        case notification(user: String, id: String)
        case list(NotificationQuery)
        case create
        case change(StateChange, user: String, id: String)
        case bulk(Bulk, user: String)
        case delete(user: String, id: String)
        case stream(user: String, lastEventID: String?, principal: Principal)
    }

    /// What the work for a taken request came back with.
    private enum Outcome {
        /// Nil: only a read through the cache can answer, Hummingbird will.
        case counts(Result<Counts, HeraldError>?)
        /// Nil: only a read through the cache can answer, Hummingbird will.
        case notification(NotificationRead?)
        /// The answer's body, written on the store's thread.
        case list(Result<[UInt8], HeraldError>)
        case create(Result<CreateOutcome, HeraldError>)
        case change(StateChange, Result<ChangeOutcome, HeraldError>)
        case bulk(Bulk, Result<BulkOutcome, HeraldError>)
        case delete(Result<RemovalOutcome?, HeraldError>)
    }

    /// Where the connection is; the request it is about is kept apart, in ``taken``. When the
    /// cases carried the request, every look at the state (several per request part) copied its
    /// head and route through the runtime's calls for multi-payload enums: ~1.5% of the server's
    /// CPU under creates (`perf`).
    private enum State {
        /// Between requests, or inside one that goes to Hummingbird (`passing`).
        case idle
        /// Inside a request that goes to Hummingbird: its body and end follow its head there.
        case passing
        /// The taken request's head was read; its body (a create's) and end come next.
        case reading
        /// The answer to the taken request is being worked out.
        case answering
        /// The taken request ended the connection and was answered: the connection's output is
        /// closed, and what the client still sends is dropped.
        case ended
    }

    /// A request this handler answers itself.
    private struct TakenRequest {
        let head: HTTPRequestHead
        let route: Route
        let start: ContinuousClock.Instant
        /// A create's body, as far as it was read.
        var body: ByteBuffer?
        /// The client's own request id (``RequestHeadFacts/requestID``).
        let requestID: String?
        /// What the answer's `Connection` header says: `close` when the request ends its
        /// connection (``RequestHeadFacts/endsConnection``), `keep-alive` to an HTTP/1.0 request
        /// that asked for it.
        let connection: RawJSONResponse.ConnectionHeader
    }

    /// Input that arrived while an answer was being worked out, in order.
    private enum Held {
        case part(HTTPServerRequestPart)
        case event(Any)
        case error(any Error)
    }

    private let settings: Settings
    /// The context of NIO's response encoder: answers are written through it, already encoded, to
    /// the socket (see ``respond(_:_:route:method:requestID:start:context:)``).
    private let wire: ChannelHandlerContext
    private var state = State.idle
    /// The request being read or answered (`reading`, `answering`).
    private var taken: TakenRequest?
    /// The metrics series of the last answer: a connection mostly sends one kind of request, and
    /// finding a series hashes its route, method and status (~1.5% of the CPU of a counts read).
    private var lastSeries: (route: String, method: HTTPMethod, status: Int, series: HTTPRequestMetrics.Series)?
    /// Requests passed to Hummingbird whose response has not ended yet.
    private var unanswered = 0
    /// The requests read, as they arrive (held or not), and answered, here or by Hummingbird.
    private(set) var progress = RequestProgress()
    private var held: [Held] = []
    /// A read asked for while an answer was out with ``heldLimit`` parts waiting; issued once it is
    /// answered.
    private var readPending = false
    /// Whether request parts went on to Hummingbird since its handlers last saw a read complete.
    private var forwarded = false
    /// A shutdown's quiesce that arrived while the taken request was still being read: passed on
    /// once the request is answered or passed to Hummingbird (``releaseQuiesce(context:)``).
    /// Passed on at once, it reached Hummingbird's connection handler, which never saw the request
    /// and so closed the connection under it; held, the request is read to its end and answered
    /// (``IdleConnectionHandler`` cuts it off if it stalls).
    private var quiesceWhileReading: Any?

    init(settings: Settings, wire: ChannelHandlerContext) {
        self.settings = settings
        self.wire = wire
    }

    private var isAnswering: Bool { state == .answering }

    /// Whether a request read on the connection still waits for its answer, here or from
    /// Hummingbird (for ``IdleConnectionHandler``).
    var owesAnswer: Bool { isAnswering || unanswered > 0 }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state != .ended else { return }
        let part = unwrapInboundIn(data)
        progress.count(part)
        if isAnswering {
            held.append(.part(part))
            return
        }
        take(part, context: context)
    }

    /// Hummingbird's handlers see a read complete only when parts went on to them: its channel
    /// handler hands what it buffered to the server's task then, and has nothing to do otherwise.
    /// Every read of a request answered here used to pass through them (~3% of the event loop
    /// under single creates).
    func channelReadComplete(context: ChannelHandlerContext) {
        completeForwardedReads(context: context)
    }

    private func completeForwardedReads(context: ChannelHandlerContext) {
        guard forwarded else { return }
        forwarded = false
        context.fireChannelReadComplete()
    }

    /// Passes a request part on to Hummingbird.
    private func forward(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        forwarded = true
        context.fireChannelRead(wrapInboundOut(part))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A shutdown's quiesce or the client's half-close must not overtake a pending answer.
        if isAnswering {
            held.append(.event(event))
            return
        }
        if state == .reading, event is ChannelShouldQuiesceEvent {
            quiesceWhileReading = event
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Passes on a quiesce held while the taken request was read, behind the input still held.
    private func releaseQuiesce(context: ChannelHandlerContext) {
        guard let event = quiesceWhileReading else { return }
        quiesceWhileReading = nil
        if isAnswering || !held.isEmpty {
            held.append(.event(event))
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A parse error of what a client sent after a request that ended its connection: unread,
        // as Hummingbird leaves it.
        guard state != .ended else { return }
        // A parse error of a request sent ahead makes Hummingbird answer 400: after the pending one.
        if isAnswering {
            held.append(.error(error))
            return
        }
        context.fireErrorCaught(error)
    }

    private func take(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch state {
        case .idle:
            guard case .head(let head) = part else { return forward(part, context: context) }
            guard unanswered == 0 else { return pass(head, context: context) }
            let facts = RequestHeadFacts(head.headers)
            if let route = eligibleRoute(head, facts) {
                taken = TakenRequest(
                    head: head, route: route, start: .now, body: nil, requestID: facts.requestID,
                    connection: facts.endsConnection ? .close : head.version == .http1_0 ? .keepAlive : .unsaid)
                state = .reading
            } else {
                pass(head, context: context)
            }
        case .reading:
            read(part, context: context)
        case .passing:
            forward(part, context: context)
            if case .end = part { state = .idle }
        case .answering:
            forward(part, context: context)
        case .ended:
            break
        }
    }

    /// The next part of the taken request: a create's body is gathered; the end starts the work.
    private func read(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        guard var request = taken else { return forward(part, context: context) }
        switch part {
        case .body(let chunk):
            guard case .create = request.route else { break }
            if request.body == nil {
                request.body = chunk
            } else {
                taken = nil  // the body below is then the only reference, appended to in place
                request.body?.writeImmutableBuffer(chunk)
            }
            taken = request
            return
        case .end(.none):
            if begin(request, context: context) { return releaseQuiesce(context: context) }
        case .head, .end(.some):
            break
        }
        // Something the head did not announce: Hummingbird gets the request as it is.
        pass(request.head, body: request.body, context: context)
        take(part, context: context)
    }

    /// Starts the work a taken request's end calls for and says so; false when a bodiless route
    /// got a body or a create's body is not one Herald takes (Hummingbird reads it again and
    /// answers with the error).
    private func begin(_ request: TakenRequest, context: ChannelHandlerContext) -> Bool {
        if case .stream(let user, let lastEventID, let principal) = request.route {
            // A user at the stream limit goes to Hummingbird, whose stream route answers the 429.
            guard request.body == nil,
                let streams = try? context.pipeline.syncOperations.handler(type: SSEChannelHandler.self),
                let opening = settings.streams.opening(user: user, lastEventID: lastEventID, principal: principal)
            else { return false }
            taken = nil
            state = .idle
            open(opening, request, through: streams)
            return true
        }
        if case .create = request.route {
            guard let body = request.body, let input = try? JSONIO.decode(NotificationInput.self, from: body) else {
                return false
            }
            state = .answering
            create(input.draft, context: context)
            return true
        }
        guard request.body == nil else { return false }
        state = .answering
        switch request.route {
        case .counts(let user): lookUp(user, context: context)
        case .notification(let user, let id): lookUp(user, id: id, context: context)
        case .list(let query): list(query, context: context)
        case .change(let change, let user, let id): apply(change, user: user, id: id, context: context)
        case .bulk(let bulk, let user): apply(bulk, user: user, context: context)
        case .delete(let user, let id): delete(user: user, id: id, context: context)
        case .create, .stream: break  // begun above
        }
        return true
    }

    /// Passes a request to Hummingbird as it arrived so far (its head, then any body already
    /// read), which then owes it an answer; the rest of the request follows it there.
    private func pass(_ head: HTTPRequestHead, body: ByteBuffer? = nil, context: ChannelHandlerContext) {
        unanswered += 1
        forward(.head(head), context: context)
        if let body { forward(.body(body), context: context) }
        taken = nil
        state = .passing
        releaseQuiesce(context: context)
    }

    /// The route of a request this handler can answer exactly as Hummingbird would; nil otherwise.
    private func eligibleRoute(_ head: HTTPRequestHead, _ facts: RequestHeadFacts) -> Route? {
        let endsConnection = facts.endsConnection
        let isHTTP10 = head.version == .http1_0
        guard head.version == .http1_1 || isHTTP10,
            endsConnection || (isHTTP10 ? facts.asksKeepAlive : facts.keepsAlive),
            !settings.corsEnabled || !facts.hasOrigin, !facts.hasTransferEncoding
        else { return nil }
        switch head.method {
        case .GET:
            return countsRoute(head, facts) ?? notificationRoute(head, facts) ?? listRoute(head, facts)
                ?? (endsConnection || isHTTP10 ? nil : streamRoute(head, facts))
        case .POST: return createRoute(head, facts) ?? userWriteRoute(head, facts)
        case .DELETE: return userWriteRoute(head, facts)
        default: return nil
        }
    }

    private func countsRoute(_ head: HTTPRequestHead, _ facts: RequestHeadFacts) -> Route? {
        let path = head.uri
        guard path.hasPrefix("/v1/users/"), path.hasSuffix("/counts"), facts.contentLengthCount == 0 else { return nil }
        let user = path.utf8.dropFirst(10).dropLast(7)
        guard !user.isEmpty, Identifier.isValid(Substring(user)) else { return nil }
        let id = String(Substring(user))
        return knownCaller(facts, mayUse: id) ? .counts(user: id) : nil
    }

    /// A read of one notification: `GET /v1/users/{user}/notifications/{id}`, nothing more.
    private func notificationRoute(_ head: HTTPRequestHead, _ facts: RequestHeadFacts) -> Route? {
        guard facts.contentLengthCount == 0, let parts = Self.userPathSegments(head.uri), parts.count == 3,
            parts[1] == "notifications", parts[2] != "read-all", Identifier.isValid(parts[0][...]),
            Identifier.isValid(parts[2][...])
        else { return nil }
        return knownCaller(facts, mayUse: parts[0]) ? .notification(user: parts[0], id: parts[2]) : nil
    }

    /// A list of one user's notifications, `GET /v1/users/{user}/notifications`, with no query or
    /// one of ``plainQueryParameters(_:)`` that makes a valid list; with any other, Hummingbird
    /// decodes the query and answers (an error, for an invalid one).
    private func listRoute(_ head: HTTPRequestHead, _ facts: RequestHeadFacts) -> Route? {
        guard let (user, parameters) = Self.userResource(head, facts, named: "notifications"),
            let query = try? NotificationQuery(user: user, parameter: { parameters[$0] })
        else { return nil }
        return knownCaller(facts, mayUse: user) ? .list(query) : nil
    }

    /// The user and query parameters of a bodiless request for `/v1/users/{user}/{name}` with a
    /// valid user id and no query or one that needs no decoding (``plainQueryParameters(_:)``);
    /// nil for any other.
    private static func userResource(
        _ head: HTTPRequestHead, _ facts: RequestHeadFacts, named name: String
    ) -> (user: String, parameters: [String: Substring])? {
        let uri = head.uri.utf8
        let pathEnd = uri.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex
        guard facts.contentLengthCount == 0, let parts = userPathSegments(String(Substring(uri[..<pathEnd]))),
            parts.count == 2, parts[1] == name, Identifier.isValid(parts[0][...]),
            let parameters = plainQueryParameters(
                pathEnd == uri.endIndex ? nil : Substring(uri[uri.index(after: pathEnd)...]))
        else { return nil }
        return (parts[0], parameters)
    }

    /// A stream: `GET /v1/users/{user}/stream` with a valid user id, no body, no query or one that
    /// needs no decoding (``plainQueryParameters(_:)``), at most one `Last-Event-ID` header, and a
    /// caller allowed to read that user whose credential is known without verifying a signature:
    /// the one `Authorization: Bearer` header, or else the query's `access_token` (a cookie goes to
    /// Hummingbird). The position is the header's, or else the query's `last_event_id`, as the
    /// stream route reads them.
    private func streamRoute(_ head: HTTPRequestHead, _ facts: RequestHeadFacts) -> Route? {
        guard let (user, parameters) = Self.userResource(head, facts, named: "stream") else { return nil }
        let positions = facts.lastEventIDs
        guard positions.count <= 1 else { return nil }
        let principal: Principal?
        if facts.authorization != nil {
            principal = knownPrincipal(facts)
        } else if let token = parameters["access_token"] {
            // An API key in the query is Hummingbird's to refuse (``CredentialPlace``).
            principal = settings.auth.knownPrincipal(for: token).flatMap { $0.isBackend ? nil : $0 }
        } else {
            return nil
        }
        guard let principal, (try? principal.authorize(user: user)) != nil else { return nil }
        return .stream(
            user: user, lastEventID: positions.first ?? parameters["last_event_id"].map(String.init),
            principal: principal)
    }

    /// A query's parameters when they need no decoding, so that they are the values Hummingbird
    /// would decode: every `&`-separated pair `name=value`, with one `=`, each name once, and
    /// nothing but letters, digits and `-._~:@,`. Nil for any other query; empty for none.
    static func plainQueryParameters(_ query: Substring?) -> [String: Substring]? {
        guard let query else { return [:] }
        var parameters: [String: Substring] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: false) {
            let halves = pair.split(separator: "=", maxSplits: 2, omittingEmptySubsequences: false)
            guard halves.count == 2, !halves[0].isEmpty, pair.utf8.allSatisfy(isPlainQueryByte),
                parameters.updateValue(halves[1], forKey: String(halves[0])) == nil
            else { return nil }
        }
        return parameters
    }

    private static func isPlainQueryByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"),
            UInt8(ascii: "@"), UInt8(ascii: ","), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// The segments of a path under `/v1/users/` (the user's id first), empty ones kept; nil for
    /// any other path.
    private static func userPathSegments(_ uri: String) -> [String]? {
        guard uri.hasPrefix("/v1/users/") else { return nil }
        return uri.utf8.dropFirst(10).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { String(Substring($0)) }
    }

    private func createRoute(_ head: HTTPRequestHead, _ facts: RequestHeadFacts) -> Route? {
        guard head.uri == Self.createRoute, let length = facts.contentLength, let bytes = Int(length),
            (1...JSONIO.singleBodyLimit).contains(bytes),
            JSONMediaType.matches(facts.contentType), !facts.hasContentEncoding,
            knownPrincipal(facts)?.isBackend == true
        else { return nil }
        return .create
    }

    /// A bodiless write of one user's notifications: a state change, seen or read-all (`POST`), a
    /// delete (`DELETE`).
    private func userWriteRoute(_ head: HTTPRequestHead, _ facts: RequestHeadFacts) -> Route? {
        guard facts.contentLengthCount == 0 || facts.contentLength == "0",
            let parts = Self.userPathSegments(head.uri), let user = parts.first, Identifier.isValid(user[...])
        else { return nil }
        let route: Route
        let isPost = head.method == .POST
        switch parts.count {
        case 2 where isPost && parts[1] == "seen":
            route = .bulk(.seen, user: user)
        case 3 where isPost && parts[1] == "notifications" && parts[2] == "read-all":
            route = .bulk(.readAll, user: user)
        case 3 where !isPost && parts[1] == "notifications":
            guard Identifier.isValid(parts[2][...]) else { return nil }
            route = .delete(user: user, id: parts[2])
        case 4 where isPost && parts[1] == "notifications":
            guard let change = StateChange(rawValue: parts[3]), Identifier.isValid(parts[2][...]) else { return nil }
            route = .change(change, user: user, id: parts[2])
        default:
            return nil
        }
        return knownCaller(facts, mayUse: user) ? route : nil
    }

    /// Whether the caller is known without verifying a signature (``knownPrincipal(_:)``) and may
    /// read and change `user`'s notifications.
    private func knownCaller(_ facts: RequestHeadFacts, mayUse user: String) -> Bool {
        guard let principal = knownPrincipal(facts) else { return false }
        do {
            try principal.authorize(user: user)
            return true
        } catch {
            return false
        }
    }

    /// The caller, when its one `Authorization: Bearer` credential is known without verifying a signature.
    private func knownPrincipal(_ facts: RequestHeadFacts) -> Principal? {
        guard let authorization = facts.authorization, let credential = Authenticator.bearerCredential(authorization)
        else { return nil }
        return settings.auth.knownPrincipal(for: credential)
    }

    // MARK: The work

    private func lookUp(_ user: String, context: ChannelHandlerContext) {
        let answer = answerOnLoop(context)
        settings.service.countsWithoutFilling(user: user) { counts in answer(.counts(counts)) }
    }

    private func lookUp(_ user: String, id: String, context: ChannelHandlerContext) {
        let answer = answerOnLoop(context)
        settings.service.notificationWithoutFilling(user: user, id: id) { answer(.notification($0)) }
    }

    private func list(_ query: NotificationQuery, context: ChannelHandlerContext) {
        let answer = answerOnLoop(context)
        settings.service.list(query) { result in answer(.list(result.map { NotificationList($0).jsonBytes })) }
    }

    private func create(_ draft: NotificationDraft, context: ChannelHandlerContext) {
        let answer = answerOnLoop(context)
        settings.service.create([draft]) { result in answer(.create(result.map { $0[0] })) }
    }

    private func apply(_ change: StateChange, user: String, id: String, context: ChannelHandlerContext) {
        let answer = answerOnLoop(context)
        settings.service.change(change, user: user, id: id) { result in answer(.change(change, result)) }
    }

    private func delete(user: String, id: String, context: ChannelHandlerContext) {
        let answer = answerOnLoop(context)
        settings.service.delete(user: user, id: id) { result in answer(.delete(result)) }
    }

    private func apply(_ bulk: Bulk, user: String, context: ChannelHandlerContext) {
        let answer = answerOnLoop(context)
        let deliver: @Sendable (Result<BulkOutcome, HeraldError>) -> Void = { answer(.bulk(bulk, $0)) }
        switch bulk {
        case .seen: settings.service.markAllSeen(user: user, completion: deliver)
        case .readAll: settings.service.readAll(user: user, filter: BulkFilter(), completion: deliver)
        }
    }

    /// Opens a stream as the stream route would: its head, with the headers Hummingbird's would
    /// carry, goes out through the connection's ``SSEChannelHandler``, which then writes the
    /// stream and takes the connection over (this handler goes; Hummingbird's connection task,
    /// which never saw the request, ends).
    private func open(_ opening: StreamOpening, _ request: TakenRequest, through streams: SSEChannelHandler) {
        var fields = StreamSettings.headers
        fields[.requestID] = LoopRequestID(incoming: request.requestID).description
        fields[.date] = HTTPDate.now
        if let serverName = settings.serverName { fields[.server] = serverName }
        record(route: StreamSettings.route, method: request.head.method, status: .ok, start: request.start)
        streams.start(opening, head: HTTPResponse(status: .ok, headerFields: fields))
    }

    /// Hands an outcome from a worker thread back to this handler on its event loop.
    private func answerOnLoop(_ context: ChannelHandlerContext) -> @Sendable (Outcome) -> Void {
        let loop = context.eventLoop
        let handler = NIOLoopBound((self, context), eventLoop: loop)
        return { outcome in
            loop.execute {
                let (handler, context) = handler.value
                handler.answered(outcome, context: context)
            }
        }
    }

    private func answered(_ outcome: Outcome, context: ChannelHandlerContext) {
        guard state == .answering, let request = taken else { return }
        let (head, start, requestID) = (request.head, request.start, LoopRequestID(incoming: request.requestID))
        state = .idle
        taken = nil
        guard context.channel.isActive else {
            held.removeAll()
            return
        }
        if let (route, answer) = Self.reply(to: outcome) {
            let connection = request.connection
            switch answer {
            case .success(let (status, body)):
                respond(
                    status, body, route: route, method: head.method, requestID: requestID, connection: connection,
                    start: start, context: context)
            case .failure(let error):
                respond(
                    error, route: route, method: head.method, requestID: requestID, connection: connection,
                    start: start, context: context)
            }
            if connection == .close { end(context: context) }
        } else {
            pass(head, context: context)
            take(.end(nil), context: context)
        }
        while !held.isEmpty, !isAnswering {
            switch held.removeFirst() {
            case .part(let part): take(part, context: context)
            case .event(let event): context.fireUserInboundEventTriggered(event)
            case .error(let error): errorCaught(context: context, error: error)
            }
        }
        // What went on to Hummingbird's task reaches it at a read's completion.
        completeForwardedReads(context: context)
        if readPending, !isAnswering {
            readPending = false
            context.read()
        }
    }

    /// The route template and the status and body (or error) of an outcome, as Hummingbird's route
    /// answers it; nil when the cache cannot answer a counts read and Hummingbird will.
    private static func reply(
        to outcome: Outcome
    ) -> (route: String, answer: Result<(HTTPResponse.Status, [UInt8]), HeraldError>)? {
        switch outcome {
        case .counts(let counts):
            return counts.map { (countsRoute, ok($0) { $0.jsonBytes }) }
        case .notification(let notification):
            switch notification {
            case .cached(let json): return (notificationRoute, .success((.ok, json.bytes)))
            case .stored(let result):
                return (
                    notificationRoute,
                    ok(result) { notification throws(HeraldError) in
                        try HeraldRoutes.answer(to: notification)
                    }
                )
            case nil: return nil
            }
        case .list(let result):
            return (listRoute, ok(result) { $0 })
        case .create(let result):
            return (
                createRoute,
                result.flatMap { outcome in Result { () throws(HeraldError) in try HeraldRoutes.answer(to: outcome) } }
            )
        case .change(let change, let result):
            return (
                changeRoute(change), ok(result) { outcome throws(HeraldError) in try HeraldRoutes.answer(to: outcome) }
            )
        case .delete(let result):
            return (
                notificationRoute, ok(result) { outcome throws(HeraldError) in try HeraldRoutes.answer(to: outcome) }
            )
        case .bulk(let bulk, let result):
            return (bulk.route, ok(result) { HeraldRoutes.answer(to: $0) })
        }
    }

    /// A 200 with the body `body` makes of a successful outcome; an error as it is.
    private static func ok<T>(
        _ result: Result<T, HeraldError>, _ body: (T) throws(HeraldError) -> [UInt8]
    ) -> Result<(HTTPResponse.Status, [UInt8]), HeraldError> {
        result.flatMap { outcome in Result { () throws(HeraldError) in (.ok, try body(outcome)) } }
    }

    /// Answers with an error's envelope, as Hummingbird's error handling does (it logs 5xx).
    private func respond(
        _ error: HeraldError, route: String, method: HTTPMethod, requestID: LoopRequestID,
        connection: RawJSONResponse.ConnectionHeader, start: ContinuousClock.Instant, context: ChannelHandlerContext
    ) {
        error.logIfServerFailure(to: settings.logger, metadata: ["hb.request.id": "\(requestID)"])
        respond(
            error.status, error.jsonBody, route: route, method: method, requestID: requestID, connection: connection,
            retryAfterSeconds: error.retryAfterSeconds, start: start, context: context)
    }

    /// - Parameter connection: what the answer's `Connection` header says (``TakenRequest/connection``).
    private func respond(
        _ status: HTTPResponse.Status, _ body: [UInt8], route: String, method: HTTPMethod,
        requestID: LoopRequestID, connection: RawJSONResponse.ConnectionHeader, retryAfterSeconds: Int? = nil,
        start: ContinuousClock.Instant, context: ChannelHandlerContext
    ) {
        // Nothing of Hummingbird's is on its way: this handler answers only while Hummingbird owes
        // no response.
        let buffer = RawJSONResponse.bytes(
            status, body, requestID: requestID, serverName: settings.serverName, connection: connection,
            retryAfterSeconds: retryAfterSeconds, allocator: context.channel.allocator)
        // Counted before it is written: a client that has the answer finds it in the metrics (as
        // Hummingbird's middleware counts an answer before the server writes it).
        record(route: route, method: method, status: status, start: start)
        wire.writeAndFlush(NIOAny(buffer), promise: nil)
        progress.countAnswer()
    }

    /// After answering a request that ends its connection, as Hummingbird does then: the output is
    /// closed (the client reads the answer to its end), nothing more is read as a request, and the
    /// connection closes once the client closes its side (``HummingbirdConnectionStarter``, or
    /// Hummingbird's request loop when it answered earlier requests) or stays silent for the idle
    /// timeout.
    private func end(context: ChannelHandlerContext) {
        state = .ended
        held.removeAll { if case .event = $0 { false } else { true } }
        context.close(mode: .output, promise: nil)
    }

    /// Counts an answer: `herald_http_fast_answers_total`, and the request's series as
    /// Hummingbird's middleware records it.
    private func record(route: String, method: HTTPMethod, status: HTTPResponse.Status, start: ContinuousClock.Instant)
    {
        Self.answers.increment()
        settings.tally.add()
        let series: HTTPRequestMetrics.Series
        if let last = lastSeries, last.route == route, last.method == method, last.status == status.code {
            series = last.series
        } else {
            series = HTTPRequestMetrics.shared.series(
                route: route, method: HTTPRequest.Method(method.rawValue) ?? .post, status: status.code)
            lastSeries = (route, method, status.code, series)
        }
        series.record(nanoseconds: start.nanosecondsElapsed)
    }

    // MARK: Outbound

    /// Reads go on while an answer is out, so a client that waits for each answer costs no change
    /// of the socket's epoll registration (two `epoll_ctl` calls per request when every read was
    /// held). A client that sends ahead is read until ``heldLimit`` parts wait.
    func read(context: ChannelHandlerContext) {
        if isAnswering, held.count >= Self.heldLimit {
            readPending = true
            return
        }
        context.read()
    }

    /// How many request parts may wait behind an answer being worked out before reading stops.
    static let heldLimit = 16

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            progress.countAnswer()
            if unanswered > 0 { unanswered -= 1 }
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        held.removeAll()
        context.fireChannelInactive()
    }

    /// Puts a handler right after NIO's HTTP/1 codec in `pipeline`, which Hummingbird has set up
    /// with the conversion to `HTTPTypes` (`HTTP1ToHTTPServerCodec`) next, and returns it; does
    /// nothing without it.
    static func install(_ settings: Settings, in pipeline: ChannelPipeline.SynchronousOperations) -> FastPath? {
        guard let conversion = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self),
            let encoder = try? pipeline.context(handlerType: HTTPResponseEncoder.self)
        else { return nil }
        let handler = FastPath(settings: settings, wire: encoder)
        guard (try? pipeline.addHandler(handler, position: .before(conversion))) != nil else { return nil }
        return handler
    }
}
