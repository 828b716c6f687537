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

    public var description: String {
        status.map { "\(message) (\(code), HTTP \($0))" } ?? "\(message) (\(code))"
    }
}
