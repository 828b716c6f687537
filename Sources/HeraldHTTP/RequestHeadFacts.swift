import NIOHTTP1

/// What ``FastPath`` needs to know of a request's headers, read in one pass over them.
///
/// Looking each header up by name scans all of them again, compares names without regard to case
/// and builds an array of the values every time; a counts read asked eight such questions (~14% of
/// the event loop's own time under the counts load).
struct RequestHeadFacts {
    /// Every `Connection` value is `keep-alive` (any case), or there is none.
    var keepsAlive: Bool { connection.allKeepAlive }
    /// The one `Connection` value is exactly `close` (``ConnectionOptions/saysExactlyClose``).
    var endsConnection: Bool { connection.saysExactlyClose }
    /// `Connection` says `keep-alive` and nothing else (``ConnectionOptions/saysKeepAlive``).
    var asksKeepAlive: Bool { connection.saysKeepAlive }
    private var connection = ConnectionOptions()
    private(set) var hasOrigin = false
    private(set) var hasTransferEncoding = false
    /// There is a `Content-Encoding` header (which Hummingbird's routes check).
    private(set) var hasContentEncoding = false
    /// How many `Content-Length` headers there are.
    private(set) var contentLengthCount = 0
    /// The `Content-Length` value when there is exactly one.
    private(set) var contentLength: String?
    /// The first `Content-Type` value.
    private(set) var contentType: String?
    /// The `Authorization` value when there is exactly one.
    private(set) var authorization: String?
    /// The `Last-Event-ID` values (a stream's position): none, one, or more (which the fast path
    /// leaves to Hummingbird).
    private(set) var lastEventIDs: [String] = []
    /// The client's `X-Request-Id` when there is exactly one that ``IncomingRequestID`` accepts.
    var requestID: String? { requestIDCount == 1 ? IncomingRequestID.accepted(requestIDValue) : nil }
    private var requestIDValue: String?
    private var requestIDCount = 0
    private var authorizationCount = 0

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            switch name.utf8.count {
            case 6 where name.utf8.equalsIgnoringASCIICase("origin"):
                hasOrigin = true
            case 10 where name.utf8.equalsIgnoringASCIICase("connection"):
                connection.add(value)
            case 12 where name.utf8.equalsIgnoringASCIICase("content-type"):
                if contentType == nil { contentType = value }
            case 12 where name.utf8.equalsIgnoringASCIICase("x-request-id"):
                requestIDCount += 1
                requestIDValue = value
            case 13 where name.utf8.equalsIgnoringASCIICase("authorization"):
                authorizationCount += 1
                authorization = authorizationCount == 1 ? value : nil
            case 13 where name.utf8.equalsIgnoringASCIICase("last-event-id"):
                lastEventIDs.append(value)
            case 14 where name.utf8.equalsIgnoringASCIICase("content-length"):
                contentLengthCount += 1
                contentLength = contentLengthCount == 1 ? value : nil
            case 16 where name.utf8.equalsIgnoringASCIICase("content-encoding"):
                hasContentEncoding = true
            case 17 where name.utf8.equalsIgnoringASCIICase("transfer-encoding"):
                hasTransferEncoding = true
            default:
                break
            }
        }
    }
}
