import NIOConcurrencyHelpers
import NIOCore

/// Completes once a stream has read a number of events; fails if the stream ends first.
final class EventCountdown: Sendable {
    private let remaining: NIOLockedValueBox<Int>
    private let promise: EventLoopPromise<Void>

    init(events: Int, on eventLoop: any EventLoop) {
        remaining = NIOLockedValueBox(events)
        promise = eventLoop.makePromise()
        if events <= 0 { promise.succeed() }
    }

    /// Succeeds when the wanted events were read.
    var futureResult: EventLoopFuture<Void> { promise.futureResult }

    func eventRead() {
        let done = remaining.withLockedValue { count in
            count -= 1
            return count == 0
        }
        if done { promise.succeed() }
    }

    func ended() {
        let left = remaining.withLockedValue { $0 }
        if left > 0 { promise.fail(BenchError("the stream ended with \(left) of its events unread")) }
    }
}
