import HeraldCore

/// What a ``RequestHeadCheck`` fires in place of a request it rejects.
///
/// NIO's parser checks neither the `Host` header (it deprecates its `HTTPParserError.invalidHost`,
/// "cannot be thrown") nor the method, while Hummingbird answers `400` only to an
/// `HTTPParserError`: ``HTTP1AnswerRewriter`` takes this error, keeps ``answer`` for the answer,
/// and passes a parse error on.
struct RequestHeadRejection: Error, Sendable {
    /// The `invalid_request` error the answer carries.
    var answer: HeraldError
}
