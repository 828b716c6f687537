import Foundation

/// Holds each of `count` threads in ``arriveAndWait()`` until all of them have arrived.
///
/// `@unchecked Sendable`: `arrived` is read and written only under `condition`'s lock.
final class Rendezvous: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrived = 0
    private let count: Int

    init(count: Int) {
        self.count = count
    }

    func arriveAndWait() {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        condition.broadcast()
        while arrived < count { condition.wait() }
    }
}
