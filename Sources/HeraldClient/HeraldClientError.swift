/// A failed call to a Herald server: the API's error code and message, or a transport failure.
public struct HeraldClientError: Error, Sendable, CustomStringConvertible {
    /// The API's `error.code` (`not_found`, `unauthorized`, …), or `unreachable` / `bad_response`.
    public let code: String
    public let message: String
    /// The HTTP status, when the server answered.
    public let status: Int?

    public init(code: String, message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// Whether trying again cannot help: the server refused the request as the client's mistake
    /// (a 4xx: a bad user id, credentials refused, a URL that names no stream), but for a timeout
    /// (408) or a limit that lifts (429, a user at the stream limit). `herald tail` stops on such
    /// an error, as a browser's `EventSource` does on any status but 200, and reconnects after
    /// any other: a 5xx, or no answer at all.
    public var endsFollowing: Bool {
        guard let status, (400..<500).contains(status) else { return false }
        return status != 408 && status != 429
    }

    public var description: String {
        status.map { "\(message) (\(code), HTTP \($0))" } ?? "\(message) (\(code))"
    }
}
