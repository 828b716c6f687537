/// The pauses of ``HeraldAPIClient/follow(user:after:maximumBackoff:onState:onEvent:)`` before
/// it connects again: 0.5 s after a stream that ended or a first failure, then doubling with each
/// failure in a row up to `maximum`, and there it stays.
struct ReconnectBackoff {
    static let first = Duration.milliseconds(500)
    let maximum: Duration
    /// The pause before the next try.
    private var pause = Self.first

    init(maximum: Duration) {
        self.maximum = maximum
    }

    /// After a stream that was open and ended: the next pause is the first again.
    mutating func streamEnded() {
        pause = Self.first
    }

    /// Takes the pause to wait now and doubles the next, up to `maximum`.
    mutating func take() -> Duration {
        defer { pause = min(pause * 2, maximum) }
        return pause
    }
}
