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
    /// A countdown on NIO's shared loops wanting `events`, that has read its head and `read` events.
    func countdown(wanting events: Int, deadline: Double, readHeadAnd read: Int) -> EventCountdown {
        let countdown = EventCountdown(
            events: events, on: MultiThreadedEventLoopGroup.singleton.next(), deadline: deadline)
        countdown.opened()
        for _ in 0..<read { countdown.eventRead() }
        return countdown
    }

    /// Whether `future` has completed, asked on its loop after any callback its completion queued.
    func isComplete(_ future: EventLoopFuture<Void>) async throws -> Bool {
        let completed = NIOLockedValueBox(false)
        future.whenComplete { _ in completed.withLockedValue { $0 = true } }
        try await future.eventLoop.submit {}.get()
        return completed.withLockedValue { $0 }
    }

    @Test func aCountdownFailsAtItsDeadlineSayingHowManyArrived() async throws {
        let started = ContinuousClock.now
        let countdown = countdown(wanting: 3, deadline: 2, readHeadAnd: 1)
        let error = await #expect(throws: BenchError.self) { try await countdown.futureResult.get() }
        #expect(error?.description == "1 of its 3 events arrived within 2.0 s")
        #expect(ContinuousClock.now - started >= .seconds(2))
    }

    @Test func theHeadAndEveryWantedEventCompleteItInEitherOrder() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let eventsFirst = EventCountdown(events: 2, on: loop, deadline: 60)
        for _ in 0..<3 { eventsFirst.eventRead() }  // one more than wanted changes nothing
        #expect(try await !isComplete(eventsFirst.futureResult))
        eventsFirst.opened()
        try await eventsFirst.futureResult.get()

        let headOnly = EventCountdown(events: 0, on: loop, deadline: 60)
        #expect(try await !isComplete(headOnly.futureResult))
        headOnly.opened()
        try await headOnly.futureResult.get()
    }

    @Test func aCompletedCountdownIsNotFailedByItsDeadlineOrAnEnd() async throws {
        let countdown = countdown(wanting: 1, deadline: 0.2, readHeadAnd: 1)
        countdown.ended()
        try await Task.sleep(for: .milliseconds(400))
        try await countdown.futureResult.get()
    }

    @Test func anEndBeforeTheWantedEventsFailsItSayingHowManyWereLeft() async throws {
        let countdown = countdown(wanting: 3, deadline: 60, readHeadAnd: 1)
        countdown.ended()
        let error = await #expect(throws: BenchError.self) { try await countdown.futureResult.get() }
        #expect(error?.description == "the stream ended with 2 of its events unread")
    }
}
