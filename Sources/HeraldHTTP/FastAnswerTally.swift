import Synchronization

/// How many requests one server's ``FastPath`` answered on the event loop.
///
/// `herald_http_fast_answers_total` counts the same answers for the whole process. Tests run
/// many servers in one process at once, so a test that asks whether its own server answered a
/// request on the event loop reads this instead.
public final class FastAnswerTally: Sendable {
    private let answers = Atomic<Int>(0)

    public init() {}

    /// The answers counted so far.
    public var count: Int { answers.load(ordering: .relaxed) }

    func add() { answers.add(1, ordering: .relaxed) }
}
