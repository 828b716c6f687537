import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import herald_bench

/// The `opens` load's countdown driven directly: what it says at its deadline, and that once
/// complete it stays complete. (How a stream feeds it is `SSESubscriberTests`' part; timing a
/// real stream against a deadline of seconds failed on a loaded machine, the head not read in
/// time.)
struct EventCountdownTests {
    /// Whether `future` has completed, asked on its loop after any callback its completion queued.
    func isComplete(_ future: EventLoopFuture<Void>) async throws -> Bool {
        let completed = NIOLockedValueBox(false)
        future.whenComplete { _ in completed.withLockedValue { $0 = true } }
        try await future.eventLoop.submit {}.get()
        return completed.withLockedValue { $0 }
    }

    @Test func aCountdownFailsAtItsDeadlineSayingHowManyArrived() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let started = ContinuousClock.now
        let countdown = EventCountdown(events: 3, on: group.next(), deadline: 2)
        countdown.opened()
        countdown.eventRead()
        let error = await #expect(throws: BenchError.self) { try await countdown.futureResult.get() }
        #expect(error?.description == "1 of its 3 events arrived within 2.0 s")
        #expect(ContinuousClock.now - started >= .seconds(2))
        try await group.shutdownGracefully()
    }

    @Test func theHeadAndEveryWantedEventCompleteItInEitherOrder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let eventsFirst = EventCountdown(events: 2, on: group.next(), deadline: 60)
        eventsFirst.eventRead()
        eventsFirst.eventRead()
        eventsFirst.eventRead()  // one more than wanted changes nothing
        #expect(try await !isComplete(eventsFirst.futureResult))
        eventsFirst.opened()
        try await eventsFirst.futureResult.get()

        let headOnly = EventCountdown(events: 0, on: group.next(), deadline: 60)
        #expect(try await !isComplete(headOnly.futureResult))
        headOnly.opened()
        try await headOnly.futureResult.get()
        try await group.shutdownGracefully()
    }

    @Test func aCompletedCountdownIsNotFailedByItsDeadlineOrAnEnd() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let countdown = EventCountdown(events: 1, on: group.next(), deadline: 0.2)
        countdown.opened()
        countdown.eventRead()
        countdown.ended()
        try await Task.sleep(for: .milliseconds(400))
        try await countdown.futureResult.get()
        try await group.shutdownGracefully()
    }

    @Test func anEndBeforeTheWantedEventsFailsItSayingHowManyWereLeft() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let countdown = EventCountdown(events: 3, on: group.next(), deadline: 60)
        countdown.opened()
        countdown.eventRead()
        countdown.ended()
        let error = await #expect(throws: BenchError.self) { try await countdown.futureResult.get() }
        #expect(error?.description == "the stream ended with 2 of its events unread")
        try await group.shutdownGracefully()
    }
}
