import Foundation
import HTTPTypes
public import HeraldCore
public import Hummingbird
public import HummingbirdCore
public import Logging

/// Every route of the API, registered on a router.
public struct HeraldRoutes: Sendable {
    let service: HeraldService
    let auth: Authenticator
    let hub: StreamHub
    let metrics: HeraldMetrics
    let settings: HeraldServerSettings
    /// The requests the servers made by ``server(serverName:fastPath:logger:)`` answered on the
    /// event loop.
    public let fastAnswers = FastAnswerTally()

    public init(
        service: HeraldService, auth: Authenticator, hub: StreamHub, metrics: HeraldMetrics,
        settings: HeraldServerSettings
    ) {
        self.service = service
        self.auth = auth
        self.hub = hub
        self.metrics = metrics
        self.settings = settings
    }

    /// The HTTP/1 server every Herald router needs (Hummingbird's, its async channel made only for
    /// connections with a request that reaches Hummingbird: ``DeferredHTTP1Channel``): its
    /// connections carry the handler that writes
    /// SSE streams on the event loop, the one that answers `Expect: 100-continue` and, with
    /// `fastPath`, the one that answers the hottest requests (counts, reads, lists, single creates,
    /// state changes, stream openings) on the event loop (``FastPath``; off when request lines are
    /// logged, since it writes none).
    /// - Parameters:
    ///   - serverName: the `Server` header the application sets, for the answers written on the
    ///     event loop (the fast path's, a `408` to a request too slow to arrive).
    ///   - logger: where the fast path logs the creates it answers with a 5xx.
    public func server(
        serverName: String?, fastPath: Bool = true, logger: Logger = Logger(label: "herald")
    ) -> HTTPServerBuilder {
        let settings =
            fastPath
            ? FastPath.Settings(
                service: service, auth: auth, streams: streamSettings, serverName: serverName,
                corsEnabled: !self.settings.corsOrigins.isEmpty, logger: logger, tally: fastAnswers) : nil
        let configuration = HTTP1Channel.Configuration(additionalChannelHandlers: [
            SSEChannelHandler(),
            RequestPartHandlersInstaller(
                fastPath: settings, idleTimeout: self.settings.idleTimeout, serverName: serverName),
        ])
        return HTTPServerBuilder { responder in
            DeferredHTTP1Channel(responder: responder, configuration: configuration)
        }
    }

    /// The responder of a Herald ``Application``: ``router()``, built.
    public func responder() throws -> RouterResponder<HeraldRequestContext> {
        try router().buildResponder()
    }

    /// Builds the router with its middleware (CORS when origins are configured, then errors and
    /// metrics) and every route, the demo page's too when a demo user is set; throws when the demo
    /// page's files are missing. CORS preflights are answered before the metrics middleware, so they
    /// are not counted.
    public func router() throws -> Router<HeraldRequestContext> {
        // HEAD for every GET route, answered by its GET handler without the body (the stream's own
        // HEAD route below keeps it from arming a stream).
        let router = Router(context: HeraldRequestContext.self, options: .autoGenerateHeadEndpoints)
        if !settings.corsOrigins.isEmpty {
            router.add(middleware: OriginCORSMiddleware(origins: settings.corsOrigins))
        }
        router.add(middleware: RequestMiddleware())
        router.add(middleware: EmptyPathSegmentMiddleware())
        let table = RouteTable()
        router.add(middleware: MethodNotAllowedMiddleware(table: table))
        if let demoUser = settings.demoUser {
            addDemoRoutes(to: router, user: demoUser, assets: try DemoAssets.load())
        }
        router.get("/healthz") { _, _ in try JSONIO.response(["status": "ok"]) }
        router.get("/readyz") { _, _ in try await readiness() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emit())))
        }
        router.post("/v1/notifications") { request, _ in try await create(request) }
        router.post("/v1/notifications/batch") { request, _ in try await batch(request) }
        router.get("/v1/users/:user/counts") { request, context in
            let user = try await authorized(request, context)
            return try JSONIO.response(try await service.counts(user: user))
        }
        router.get("/v1/users/:user/notifications") { request, context in try await list(request, context) }
        router.delete("/v1/users/:user/notifications") { request, context in
            let user = try await authorized(request, context)
            try await JSONIO.refuseMembers(of: request, in: "deleting every notification")
            let outcome = try await service.deleteAll(user: user)
            return JSONIO.response(
                bytes: BulkAnswer(count: .deleted, number: outcome.updated, counts: outcome.counts).jsonBytes)
        }
        router.post("/v1/users/:user/notifications/read-all") { request, context in
            let user = try await authorized(request, context)
            let filter = try await JSONIO.decodeIfPresent(
                ReadAllInput.self, from: request, limit: JSONIO.smallBodyLimit)
            let outcome = try await service.readAll(
                user: user, filter: BulkFilter(type: filter?.type, tag: filter?.tag))
            return JSONIO.response(bytes: Self.answer(to: outcome))
        }
        router.get("/v1/users/:user/notifications/:id") { request, context in
            let (user, id) = try await authorizedNotification(request, context)
            return JSONIO.response(bytes: try Self.answer(to: try await service.notification(user: user, id: id)))
        }
        router.delete("/v1/users/:user/notifications/:id") { request, context in
            let (user, id) = try await authorizedNotification(request, context)
            try await JSONIO.refuseMembers(of: request, in: "delete")
            return JSONIO.response(bytes: try Self.answer(to: await service.delete(user: user, id: id)))
        }
        for change in StateChange.allCases {
            router.post("/v1/users/:user/notifications/:id/\(change.rawValue)") { request, context in
                let (user, id) = try await authorizedNotification(request, context)
                try await JSONIO.refuseMembers(of: request, in: change.rawValue)
                return JSONIO.response(bytes: try Self.answer(to: await service.change(change, user: user, id: id)))
            }
        }
        router.post("/v1/users/:user/seen") { request, context in
            let user = try await authorized(request, context)
            try await JSONIO.refuseMembers(
                of: request, in: "seen", note: "it marks every notification seen; read-all narrows by type or tag")
            return JSONIO.response(bytes: Self.answer(to: try await service.markAllSeen(user: user)))
        }
        router.post("/v1/users/:user/tokens") { request, context in try await mintToken(request, context) }
        router.delete("/v1/users/:user/tokens") { request, context in
            // The user's own token may revoke its user's tokens, itself included: signing out
            // everywhere.
            let user = try await authorized(request, context)
            try await JSONIO.refuseMembers(of: request, in: "revoking tokens")
            let through = try await auth.revokeTokens(user: user)
            let ended = hub.endTokenStreams(of: user, issuedThrough: through)
            return try JSONIO.response(
                TokenRevocationAnswer(
                    user: user, revokedBefore: Timestamp(milliseconds: (through + 1) * 1000), streamsEnded: ended))
        }
        router.get("/v1/users/:user/stream") { request, context in try await stream(request, context) }
        router.head("/v1/users/:user/stream") { request, context in
            let user = try await authorized(request, context)
            if streamSettings.isFull(user: user) { throw streamSettings.tooManyStreams }
            return Response(status: .ok, headers: StreamSettings.headers)
        }
        for route in router.routes { table.add(route.method, route.path) }
        return router
    }

    // MARK: Handlers

    private func readiness() async throws -> Response {
        let storeUp = await service.store.ping()
        let body = [
            "status": storeUp ? "ready" : "unavailable",
            "store": storeUp ? "up" : "down",
            "cache": service.cache.status.rawValue,
            "broker": service.broker.isUp ? "up" : "down",
        ]
        return try JSONIO.response(body, status: storeUp ? .ok : .serviceUnavailable)
    }

    private func create(_ request: Request) async throws -> Response {
        let principal = try await auth.principal(for: request)
        try principal.requireBackend()
        let input = try await JSONIO.decode(NotificationInput.self, from: request, limit: JSONIO.singleBodyLimit)
        return try created(await service.create(input.draft))
    }

    /// The answer to a single create: 201 new, 200 replay, 409 conflict.
    func created(_ outcome: CreateOutcome) throws -> Response {
        let (status, body) = try Self.answer(to: outcome)
        return JSONIO.response(bytes: body, status: status)
    }

    /// The status and body of a single create's answer (also written by ``FastPath``): 201 and
    /// the new notification with its user's counts, 200 and the one replayed; a conflict throws 409.
    /// A new notification is written as its event rendered it (``NotificationChange/notificationJSON``).
    static func answer(to outcome: CreateOutcome) throws(HeraldError) -> (HTTPResponse.Status, [UInt8]) {
        switch outcome {
        case .created(let change):
            (
                .created,
                NotificationWithCounts(
                    notification: change.notification, counts: change.counts,
                    notificationJSON: change.notificationJSON
                )
                .jsonBytes
            )
        case .replayed(let notification, let counts):
            (.ok, NotificationWithCounts(notification: notification, counts: counts).jsonBytes)
        case .conflict:
            throw HeraldError(.idConflict, "a different notification with this id already exists for this user")
        }
    }

    /// The body of a state change's answer (also written by ``FastPath``), always 200: the
    /// notification with its user's counts, changed or already in that state; unknown throws 404.
    static func answer(to outcome: ChangeOutcome) throws(HeraldError) -> [UInt8] {
        switch outcome {
        case .changed(let result):
            NotificationWithCounts(notification: result.notification, counts: result.counts).jsonBytes
        case .unchanged(let notification, let counts):
            NotificationWithCounts(notification: notification, counts: counts).jsonBytes
        case .notFound:
            throw HeraldError.notificationNotFound
        }
    }

    /// The body of a notification read's answer (also written by ``FastPath``): the notification;
    /// none throws 404.
    static func answer(to notification: Notification?) throws(HeraldError) -> [UInt8] {
        guard let notification else { throw HeraldError.notificationNotFound }
        return notification.jsonBytes
    }

    /// The body of a delete's answer (also written by ``FastPath``), always 200: the user's counts
    /// after it; unknown throws 404.
    static func answer(to outcome: RemovalOutcome?) throws(HeraldError) -> [UInt8] {
        guard let outcome else { throw HeraldError.notificationNotFound }
        return CountsOnly(counts: outcome.counts).jsonBytes
    }

    /// The body of a read-all's or seen's answer (also written by ``FastPath``), always 200.
    static func answer(to outcome: BulkOutcome) -> [UInt8] {
        BulkAnswer(count: .updated, number: outcome.updated, counts: outcome.counts).jsonBytes
    }

    private func batch(_ request: Request) async throws -> Response {
        let principal = try await auth.principal(for: request)
        try principal.requireBackend()
        let input = try await JSONIO.decode(BatchInput.self, from: request, limit: JSONIO.batchBodyLimit)
        var outcomes = try await service.create(input.drafts).makeIterator()
        let results = input.itemErrors.map { itemError -> BatchResult in
            if let itemError { return BatchResult(status: 400, notification: nil, error: itemError.detail) }
            switch outcomes.next() {
            case .created(let change):
                return BatchResult(
                    status: 201, notification: change.notification, error: nil,
                    notificationJSON: change.notificationJSON)
            case .replayed(let notification, _):
                return BatchResult(status: 200, notification: notification, error: nil)
            case .conflict, .none:
                let error = HeraldError(.idConflict, "a different notification with this id already exists")
                return BatchResult(status: 409, notification: nil, error: error.detail)
            }
        }
        return try JSONIO.response(BatchResponse(results: results))
    }

    private func list(_ request: Request, _ context: HeraldRequestContext) async throws -> Response {
        let user = try await authorized(request, context)
        let parameters = Parameters.form(request.uri.query)
        let query = try NotificationQuery(user: user) { name throws(HeraldError) in try parameters.onlyValue(of: name) }
        return try JSONIO.response(NotificationList(try await service.list(query)))
    }

    private func mintToken(_ request: Request, _ context: HeraldRequestContext) async throws -> Response {
        let user = try userParameter(context)
        let principal = try await auth.principal(for: request)
        try principal.requireBackend()
        let input = try await JSONIO.decodeIfPresent(TokenInput.self, from: request, limit: JSONIO.smallBodyLimit)
        let ttl = input?.ttlSeconds ?? 3600
        guard (1...Authenticator.maximumTokenTTLSeconds).contains(ttl) else {
            throw HeraldError(
                .invalidField, "ttl_seconds must be between 1 and \(Authenticator.maximumTokenTTLSeconds)")
        }
        let minted = try await auth.mintToken(user: user, ttlSeconds: ttl)
        return try JSONIO.response(TokenResponse(token: minted.token, expiresAt: minted.expiresAt), status: .created)
    }

    private func stream(_ request: Request, _ context: HeraldRequestContext) async throws -> Response {
        let user = try userParameter(context)
        let principal = try await auth.principal(for: request)
        try principal.authorize(user: user)
        guard
            let opening = streamSettings.opening(
                user: user,
                lastEventID: request.headers[.lastEventID] ?? Self.lastEventIDParameter(request),
                principal: principal)
        else { throw streamSettings.tooManyStreams }
        // The connection's handler writes the body once this response's head has gone out.
        let channel = context.channel
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.handler(type: SSEChannelHandler.self).expect(opening)
            }.get()
        } catch {
            throw HeraldError(
                .internalError, "streams need a server built with HeraldRoutes.server(serverName:)", underlying: error)
        }
        return Response(status: .ok, headers: StreamSettings.headers, body: ResponseBody { _ in })
    }

    /// What the server's streams work with.
    private var streamSettings: StreamSettings {
        StreamSettings(
            service: service, hub: hub, metrics: metrics,
            heartbeatMilliseconds: Int64(max(1, settings.heartbeatSeconds)) * 1000,
            bufferCapacity: settings.streamBufferCapacity, maxStreamsPerUser: settings.maxStreamsPerUser)
    }

    // MARK: Helpers

    /// A path parameter percent-decoded; "" when missing or badly encoded (then refused as an id).
    private static func decoded(_ parameter: String?) -> String {
        guard let parameter else { return "" }
        // Foundation's decoder is costly per request; identifiers rarely need it.
        guard parameter.utf8.contains(UInt8(ascii: "%")) else { return parameter }
        return parameter.removingPercentEncoding ?? ""
    }

    /// The query's `last_event_id`; given more than once, its values joined by commas, as HTTP
    /// joins repeated `Last-Event-ID` lines: no position, so the stream starts with `reset`.
    private static func lastEventIDParameter(_ request: Request) -> String? {
        let values = request.uri.queryParameters[values: "last_event_id"]
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    private func userParameter(_ context: HeraldRequestContext) throws(HeraldError) -> String {
        // Path parameters arrive percent-encoded (`u%40example` is `u@example`).
        let user = Self.decoded(context.parameters.get("user"))
        try Identifier.validate(user, what: "user")
        return user
    }

    private func authorized(_ request: Request, _ context: HeraldRequestContext) async throws -> String {
        let user = try userParameter(context)
        try await auth.principal(for: request).authorize(user: user)
        return user
    }

    private func authorizedNotification(
        _ request: Request, _ context: HeraldRequestContext
    ) async throws -> (String, String) {
        let user = try await authorized(request, context)
        let id = Self.decoded(context.parameters.get("id"))
        try Identifier.validate(id, what: "id")
        return (user, id)
    }
}
