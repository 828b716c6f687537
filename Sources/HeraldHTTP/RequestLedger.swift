/// What the handler right after the HTTP codec (``FastPath``, else ``PendingAnswerCounter``) knows
/// of a connection's requests, for ``IdleConnectionHandler``.
protocol RequestLedger: AnyObject {
    /// Whether a request read on the connection still waits for its answer.
    var owesAnswer: Bool { get }
    /// The requests read so far.
    var progress: RequestProgress { get }
}
