/// HTTP-side settings of a Herald server.
public struct HeraldServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Seconds between `: ping` comments on idle streams.
    public var heartbeatSeconds: Int
    /// Live events a stream holds while its client reads too slowly for the socket; when more
    /// arrive, it drops them and catches up from the log once the socket drains.
    public var streamBufferCapacity: Int
    /// The user whose inbox the demo page at `/` shows; nil serves no demo page.
    public var demoUser: String?
    /// Origins allowed to call the API from a browser (CORS); `*` allows every origin.
    public var corsOrigins: [String]
    /// How long a connection may go without a byte read or written, and no answer owed, before it
    /// is closed; nil: never. SSE streams are exempt.
    public var idleTimeout: Duration?
    /// The most SSE streams one user may hold open at once (a stream beyond it is answered `429
    /// too_many_streams`); nil: no limit.
    public var maxStreamsPerUser: Int?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, heartbeatSeconds: Int = 15, streamBufferCapacity: Int = 512,
        demoUser: String? = nil, corsOrigins: [String] = [], idleTimeout: Duration? = .seconds(75),
        maxStreamsPerUser: Int? = HeraldServerSettings.defaultMaxStreamsPerUser
    ) {
        self.host = host
        self.port = port
        self.heartbeatSeconds = heartbeatSeconds
        self.streamBufferCapacity = streamBufferCapacity
        self.demoUser = demoUser
        self.corsOrigins = corsOrigins
        self.idleTimeout = idleTimeout
        self.maxStreamsPerUser = maxStreamsPerUser
    }

    /// The default of ``maxStreamsPerUser``: room for every tab and device a person has open (a
    /// browser holds at most six connections to a host over HTTP/1.1), while a leaked token or a
    /// page that opens streams in a loop cannot hold thousands of the server's files.
    public static let defaultMaxStreamsPerUser = 64
}
