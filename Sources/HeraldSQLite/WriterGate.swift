import NIOConcurrencyHelpers

/// Held by the group commit around each transaction, and by the WAL checkpointer for the moment it
/// needs no transaction to start: so that its checkpoint reaches the WAL's end.
final class WriterGate: Sendable {
    private let lock = NIOLock()

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock(body)
    }
}
