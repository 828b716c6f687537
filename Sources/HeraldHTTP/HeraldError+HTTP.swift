import Foundation
public import HeraldCore
public import Hummingbird
import Logging
import NIOHTTP1

extension HeraldError: HTTPResponseError {
    /// The HTTP status of each error code, as API.md lists them.
    public var status: HTTPResponse.Status {
        switch code {
        case .invalidID, .invalidField, .invalidJSON, .invalidQuery, .invalidRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .idConflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .methodNotAllowed: .methodNotAllowed
        case .requestTimeout: .requestTimeout
        case .tooManyStreams: .tooManyRequests
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }

    /// The `Retry-After` of an answer with this error: a second for the store unavailable (a lock
    /// held past the busy timeout, a disk error), which clients with a retry policy honour rather
    /// than retrying at once; nil for every other error.
    var retryAfterSeconds: Int? { code == .unavailable ? 1 : nil }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = JSONIO.headers
        if code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let seconds = retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        // A request that could not be parsed leaves nothing readable behind it: the connection ends.
        if code == .invalidRequest { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBody)))
    }

    /// Logs the error as every answer with it is logged: a server-side failure (5xx) at `error`,
    /// a client's mistake not at all.
    func logIfServerFailure(to logger: Logger, metadata: Logger.Metadata = [:]) {
        guard status.code >= 500 else { return }
        logger.error("request failed", metadata: metadata.merging(["error": "\(self)"]) { _, new in new })
    }

    /// `{"error": {"code": "…", "message": "…"}}`.
    var jsonBody: [UInt8] {
        ErrorBody(error: .init(code: code.rawValue, message: message)).jsonBytes
    }

    /// The same error as a JSON value, for batch results.
    var detail: ErrorBody.Detail { .init(code: code.rawValue, message: message) }
}

/// The error envelope of every failed request.
struct ErrorBody: Codable, Sendable {
    struct Detail: Codable, Sendable, Hashable {
        var code: String
        var message: String
    }
    var error: Detail
}

extension HeraldError {
    /// The 404 of a notification that does not exist (or has expired), on every route that names one.
    static let notificationNotFound = HeraldError(.notFound, "notification not found")

    /// The error in the answer to a request ``RequestHeadCheck`` rejected for its `Host` headers.
    static let hostHeaderRequired = notValidHTTP(
        "an HTTP/1.1 request needs one Host header, and no request may have two")

    /// The error in the answer to a `CONNECT` (``RequestHeadCheck``): Herald is not a proxy.
    static let connectNotSupported = notValidHTTP("CONNECT is not supported: herald is not a proxy")

    /// The error in the answer to a request that could not be parsed (``HTTP1AnswerRewriter``, or
    /// ``JSONIO`` for a body), saying what was wrong in the client's terms when `parseError` tells
    /// (nothing of the parser's own).
    static func invalidRequest(_ parseError: HTTPParserError?) -> HeraldError {
        let detail: String? =
            switch parseError {
            case .headerOverflow: "its head is too large"
            case .invalidMethod: "unknown method"
            case .invalidVersion: "unsupported HTTP version"
            case .invalidURL: "invalid request target"
            case .invalidCharactersUsed, .invalidHeaderToken, .lfExpected, .invalidConstant:
                "invalid characters in its head"
            case .invalidContentLength: "invalid Content-Length"
            case .unexpectedContentLength: "a Content-Length beside another or beside Transfer-Encoding"
            case .invalidChunkSize: "invalid chunk in its body"
            default: nil
            }
        return notValidHTTP(detail)
    }

    /// `invalid_request`, saying what was wrong when `detail` tells.
    private static func notValidHTTP(_ detail: String?) -> HeraldError {
        HeraldError(.invalidRequest, "the request is not valid HTTP" + (detail.map { ": " + $0 } ?? ""))
    }
}
