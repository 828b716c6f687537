import NIOConcurrencyHelpers

/// A counter safe to bump from any event loop.
final class NIOLockedCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    func add(_ amount: Int = 1) { box.withLockedValue { $0 += amount } }
    var value: Int { box.withLockedValue { $0 } }
}
