import Foundation
import HeraldCore
import HeraldHTTP
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus

/// A Herald HTTP application over a real service (memcached + SQLite), for router and live tests.
struct HTTPHarness {
    static let apiKey = "test-api-key"
    static let secret = "test-token-secret-that-is-long-enough-0123456789"

    /// One registry for the whole test process, also behind swift-metrics' global factory (which can
    /// be bootstrapped once), so `/metrics` shows what the middleware and caches record.
    static let sharedRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The value of a series (a name, with its labels if it has any) in Prometheus text (nil when
    /// absent).
    static func metricValue(_ name: String, in exposition: String) -> Int? {
        exposition.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { Int($0.split(separator: " ")[1]) }
    }

    /// The value of the series `name` (with its labels, as Prometheus writes them) in the
    /// registry the test process shares; 0 while it has none.
    func metric(_ name: String) -> Int {
        Self.metricValue(name, in: String(decoding: registry.emitToBuffer(), as: UTF8.self)) ?? 0
    }

    let services: ServiceHarness
    let auth: Authenticator
    let hub: StreamHub
    let app: Application<RouterResponder<HeraldRequestContext>>
    /// The hub listens to the broker and ticks as in `herald serve` (`StreamHubService`).
    let listening: BrokerListening
    let ticker: Task<Void, Never>
    let registry: PrometheusCollectorRegistry
    /// The requests this harness's server answered on the event loop.
    let fastAnswerTally: FastAnswerTally

    init(
        heartbeatSeconds: Int = 15, streamBufferCapacity: Int = 512, demoUser: String? = nil,
        corsOrigins: [String] = [], fastPath: Bool = true, idleTimeout: Duration? = .seconds(75),
        maxStreamsPerUser: Int? = HeraldServerSettings.defaultMaxStreamsPerUser, logger: Logger? = nil
    ) async throws {
        registry = Self.sharedRegistry  // first: the store takes its metric handles when it opens
        services = try await ServiceHarness()
        auth = try await Authenticator(
            apiKeys: [Self.apiKey, "second-key"], tokenSecret: Self.secret, pageOrigins: corsOrigins,
            revocations: try await TokenRevocations.load(from: services.store))
        hub = StreamHub()
        let routes = HeraldRoutes(
            service: services.service, auth: auth, hub: hub, metrics: HeraldMetrics(registry: registry),
            settings: HeraldServerSettings(
                heartbeatSeconds: heartbeatSeconds, streamBufferCapacity: streamBufferCapacity, demoUser: demoUser,
                corsOrigins: corsOrigins, idleTimeout: idleTimeout, maxStreamsPerUser: maxStreamsPerUser))
        fastAnswerTally = routes.fastAnswers
        app = Application(
            responder: try routes.responder(),
            server: routes.server(serverName: "herald", fastPath: fastPath, logger: logger ?? Logger(label: "herald")),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "herald"), logger: logger)
        let hub = self.hub
        listening = hub.listen(to: services.broker)
        ticker = Task { await hub.runTicker() }
    }

    func shutdown() async {
        hub.closeAll()
        listening.cancel()
        ticker.cancel()
        await services.shutdown()
    }

    /// A store failure on demand: SQLite aborts every `operation` (`INSERT`, `UPDATE` or `DELETE`)
    /// of a notification of type `boom`.
    func failStore(_ operation: String) async throws {
        let row = operation == "INSERT" ? "NEW" : "OLD"
        try await services.store.pool.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER fail_boom BEFORE \(operation) ON notification WHEN \(row).type = 'boom'
                    BEGIN SELECT RAISE(ABORT, 'boom'); END
                    """)
        }
    }

    /// The requests this harness's server answered on the event loop (``FastPath``), counted
    /// apart from the other servers tests run at the same time.
    var fastAnswers: Int { fastAnswerTally.count }

    func token(_ user: String, ttl: Int64 = 3600) async throws -> String {
        try await auth.mintToken(user: user, ttlSeconds: ttl).token
    }
}

extension HTTPFields {
    static func bearer(_ credential: String = HTTPHarness.apiKey, json: Bool = false) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(credential)"]
        if json { fields[.contentType] = "application/json" }
        return fields
    }
}

extension TestResponse {
    /// The body as a JSON object.
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
        guard let dictionary = object as? [String: Any] else { throw TestFailure("body is not a JSON object") }
        return dictionary
    }

    /// The error code of an error response.
    func errorCode() throws -> String? {
        (try json()["error"] as? [String: Any])?["code"] as? String
    }
}

extension TestClientProtocol {
    /// POST with a JSON body and the API key.
    func post(_ uri: String, json: String, credential: String = HTTPHarness.apiKey) async throws -> TestResponse {
        try await execute(
            uri: uri, method: .post, headers: .bearer(credential, json: true), body: ByteBuffer(string: json))
    }

    func get(_ uri: String, credential: String = HTTPHarness.apiKey) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: .bearer(credential))
    }
}

extension Dictionary where Key == String, Value == Any {
    subscript(object key: String) -> [String: Any] { (self[key] as? [String: Any]) ?? [:] }
    func int(_ key: String) -> Int? { self[key] as? Int }
}
