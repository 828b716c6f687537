/// The rule for a client's own `X-Request-Id`: kept as the request's id (answered in
/// `X-Request-Id` and logged as `hb.request.id`) when it is 1–128 visible ASCII characters, so a
/// request can be followed through a proxy (nginx's `$request_id`) and the service that called;
/// anything else is ignored and Herald makes an id.
enum IncomingRequestID {
    static let maximumLength = 128

    /// `value` when it may be used as the request's id; nil otherwise.
    static func accepted(_ value: String?) -> String? {
        guard let value, (1...maximumLength).contains(value.utf8.count),
            value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }
}
