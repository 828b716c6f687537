import NIOConcurrencyHelpers
import NIOCore

/// Completes once a stream has answered with a `200` head and then read a number of events (none:
/// the head alone); fails if the stream ends first.
final class EventCountdown: Sendable {
    private struct State {
        var opened = false
        var remaining: Int
    }

    private let state: NIOLockedValueBox<State>
    private let promise: EventLoopPromise<Void>

    init(events: Int, on eventLoop: any EventLoop) {
        state = NIOLockedValueBox(State(remaining: max(0, events)))
        promise = eventLoop.makePromise()
    }

    /// Succeeds when the head and the wanted events were read.
    var futureResult: EventLoopFuture<Void> { promise.futureResult }

    /// The stream's `200` head arrived.
    func opened() {
        let done = state.withLockedValue { state in
            state.opened = true
            return state.remaining == 0
        }
        if done { promise.succeed() }
    }

    func eventRead() {
        let done = state.withLockedValue { state in
            guard state.remaining > 0 else { return false }
            state.remaining -= 1
            return state.remaining == 0 && state.opened
        }
        if done { promise.succeed() }
    }

    func ended() {
        let state = state.withLockedValue { $0 }
        guard !state.opened || state.remaining > 0 else { return }
        promise.fail(BenchError("the stream ended with \(state.remaining) of its events unread"))
    }
}
