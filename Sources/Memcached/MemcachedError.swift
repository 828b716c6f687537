/// An error raised by ``MemcachedClient``.
///
/// Errors carry a stable ``Code`` that callers match on, the raw `memcached_return_t`
/// value for diagnostics, and libmemcached's own message. The message may name hosts
/// and is meant for logs, never for end users.
public struct MemcachedError: Error, Sendable, CustomStringConvertible {
    /// A stable, extensible classification of memcached failures.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable {
            case connectionFailure = "connection_failure"
            case timeout
            case serverUnavailable = "server_unavailable"
            case noServers = "no_servers"
            case nonNumericValue = "non_numeric_value"
            case invalidKey = "invalid_key"
            case valueTooLarge = "value_too_large"
            case invalidConfiguration = "invalid_configuration"
            case protocolError = "protocol_error"
            case quietIncrementFailed = "quiet_increment_failed"
            case serverError = "server_error"
            case poolExhausted = "pool_exhausted"
            case shutDown = "shut_down"
            case other
        }

        fileprivate let base: Base

        fileprivate init(_ base: Base) { self.base = base }

        /// The server could not be reached, or the connection broke mid-request.
        public static let connectionFailure = Code(.connectionFailure)
        /// The server did not answer within the configured timeouts.
        public static let timeout = Code(.timeout)
        /// The server is marked dead or temporarily disabled after recent failures.
        public static let serverUnavailable = Code(.serverUnavailable)
        /// No server is configured.
        public static let noServers = Code(.noServers)
        /// `incr`/`decr` hit a value that is not a decimal number.
        public static let nonNumericValue = Code(.nonNumericValue)
        /// The key is empty, longer than 250 bytes, or contains whitespace or control characters.
        public static let invalidKey = Code(.invalidKey)
        /// The value exceeds the server's item size limit.
        public static let valueTooLarge = Code(.valueTooLarge)
        /// The client configuration is invalid (bad server address, bad option).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The server sent something the client could not parse.
        public static let protocolError = Code(.protocolError)
        /// A quiet increment of ``MemcachedSession/increment(quietly:initial:expiration:thenGet:found:)``
        /// failed on the server: its counter was not a number, or could not be created (another
        /// client created it first, or memory is full). Which of the increments sent with it were
        /// applied is unknown, and the values read after them were dropped with the connection; the
        /// server itself is up.
        public static let quietIncrementFailed = Code(.quietIncrementFailed)
        /// The server reported an error of its own (for example out of memory).
        public static let serverError = Code(.serverError)
        /// No connection became free in time.
        public static let poolExhausted = Code(.poolExhausted)
        /// The client has been shut down.
        public static let shutDown = Code(.shutDown)
        /// Any other libmemcached failure; see ``MemcachedError/returnCode``.
        public static let other = Code(.other)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// The raw `memcached_return_t` value, or -1 when the error did not come from libmemcached.
    public let returnCode: Int32
    /// libmemcached's description (may include host names; for logs only).
    public let message: String

    /// Creates an error.
    public init(code: Code, returnCode: Int32 = -1, message: String) {
        self.code = code
        self.returnCode = returnCode
        self.message = message
    }

    /// True when the failure may have left the connection's socket unusable (the server went away,
    /// broke the connection or did not answer in time): every connection to it may be dead.
    var isConnectionLost: Bool {
        switch code.base {
        case .connectionFailure, .timeout, .serverUnavailable, .protocolError:
            return true
        default:
            return false
        }
    }

    /// True when the failure means the cache is unreachable (as opposed to a logical
    /// outcome such as a non-numeric value): callers should treat the cache as down.
    public var isUnavailable: Bool {
        switch code.base {
        case .connectionFailure, .timeout, .serverUnavailable, .noServers, .poolExhausted, .shutDown,
            .protocolError:
            return true
        default:
            return false
        }
    }

    public var description: String { "MemcachedError(\(code), rc=\(returnCode)): \(message)" }
}

extension MemcachedError.Code {
    /// Lets `switch` and `catch` match an error by code: `case .timeout = error.code`.
    public static func ~= (pattern: MemcachedError.Code, value: any Error) -> Bool {
        (value as? MemcachedError)?.code == pattern
    }
}
