import NIOConcurrencyHelpers
import NIOCore

/// Completes once a stream has answered with a `200` head and then read a number of events (none:
/// the head alone); fails if the stream ends first, or if they do not all arrive within the
/// deadline (a server that answers a resume with fewer events than asked would otherwise hold
/// the load forever).
final class EventCountdown: Sendable {
    private struct State {
        var opened = false
        var remaining: Int
        var finished = false

        /// Marks the countdown finished when the head and every wanted event have been read and
        /// it is not yet; true then, when the caller must complete the promise.
        mutating func completes() -> Bool {
            guard opened, remaining == 0, !finished else { return false }
            finished = true
            return true
        }
    }

    private let state: NIOLockedValueBox<State>
    private let promise: EventLoopPromise<Void>
    private let wanted: Int

    /// - Parameter deadline: seconds from now after which the countdown fails with what it read.
    init(events: Int, on eventLoop: any EventLoop, deadline seconds: Double) {
        wanted = max(0, events)
        state = NIOLockedValueBox(State(remaining: wanted))
        promise = eventLoop.makePromise()
        let timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { [self] in
            finish(failure: { "\(wanted - $0.remaining) of its \(wanted) events arrived within \(seconds) s" })
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
    }

    /// Succeeds when the head and the wanted events were read.
    var futureResult: EventLoopFuture<Void> { promise.futureResult }

    /// The stream's `200` head arrived.
    func opened() {
        let done = state.withLockedValue { state in
            state.opened = true
            return state.completes()
        }
        if done { promise.succeed() }
    }

    func eventRead() {
        let done = state.withLockedValue { state in
            guard state.remaining > 0 else { return false }
            state.remaining -= 1
            return state.completes()
        }
        if done { promise.succeed() }
    }

    func ended() {
        finish(failure: { "the stream ended with \($0.remaining) of its events unread" })
    }

    /// Fails the countdown with `message` of its state, unless it has already completed.
    private func finish(failure message: (State) -> String) {
        let failed: String? = state.withLockedValue { state in
            guard !state.finished else { return nil }
            state.finished = true
            return message(state)
        }
        if let failed { promise.fail(BenchError(failed)) }
    }
}
