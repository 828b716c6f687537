/// A typed, user-presentable error. Its ``message`` is safe to show to API clients: it never
/// contains SQL, stack traces, host names or another user's data. Underlying causes go to logs only.
public struct HeraldError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error code (the API's `error.code`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case wire value.
        public let rawValue: String

        private init(_ rawValue: String) { self.rawValue = rawValue }

        public static let invalidID = Code("invalid_id")
        public static let invalidField = Code("invalid_field")
        public static let invalidJSON = Code("invalid_json")
        public static let invalidQuery = Code("invalid_query")
        /// The request is not valid HTTP: NIO's parser or the `Host` check rejected it, or its body
        /// could not be read.
        public static let invalidRequest = Code("invalid_request")
        public static let unauthorized = Code("unauthorized")
        public static let forbidden = Code("forbidden")
        public static let notFound = Code("not_found")
        public static let idConflict = Code("id_conflict")
        public static let tooLarge = Code("too_large")
        public static let unsupportedMediaType = Code("unsupported_media_type")
        public static let methodNotAllowed = Code("method_not_allowed")
        public static let requestTimeout = Code("request_timeout")
        /// The user already holds as many open streams as the server allows one user.
        public static let tooManyStreams = Code("too_many_streams")
        public static let unavailable = Code("unavailable")
        public static let internalError = Code("internal_error")

        public var description: String { rawValue }
    }

    public let code: Code
    public let message: String
    /// The cause, for logs. Never sent to clients.
    public let underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        "HeraldError(\(code)): \(message)" + (underlying.map { " [\($0)]" } ?? "")
    }

    /// Wraps a storage failure: the client sees a generic message.
    public static func storeFailure(_ error: any Error) -> HeraldError {
        if let herald = error as? HeraldError { return herald }
        return HeraldError(.unavailable, "the notification store is unavailable", underlying: error)
    }
}
