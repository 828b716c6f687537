/// What a ``HostHeaderCheck`` fires in place of a request without exactly one `Host` header.
///
/// NIO's parser does not check the header and deprecates its `HTTPParserError.invalidHost` ("cannot
/// be thrown"), while Hummingbird answers `400` only to an `HTTPParserError`: ``HTTP1AnswerRewriter``
/// takes this error, keeps what it says for the answer's message, and passes a parse error on.
struct HostHeaderRejection: Error, Sendable {}
