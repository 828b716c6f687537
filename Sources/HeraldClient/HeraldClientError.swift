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

    /// Whether trying again cannot help: the request was refused as bad (400), or its credentials
    /// (401, 403). `herald tail` stops on such an error and reconnects after any other.
    public var endsFollowing: Bool {
        status == 400 || status == 401 || status == 403
    }

    public var description: String {
        status.map { "\(message) (\(code), HTTP \($0))" } ?? "\(message) (\(code))"
    }
}
