import Testing

@testable import HeraldSQLite

/// While few writes wait, the pause after a shared transaction makes up the spacing from its start,
/// but is never shorter than the minimum; with more waiting, it is the minimum.
struct GatherPauseTests {
    @Test func aShortTransactionWaitsOutTheSpacing() {
        #expect(GatherPause.microseconds(afterTransactionOf: .zero, waiting: 0) == 1_000)
        #expect(GatherPause.microseconds(afterTransactionOf: .microseconds(400), waiting: 3) == 600)
        #expect(GatherPause.microseconds(afterTransactionOf: .nanoseconds(849_500), waiting: 1) == 150)
    }

    @Test func aLongTransactionStillPausesTheMinimum() {
        #expect(GatherPause.microseconds(afterTransactionOf: .microseconds(900), waiting: 0) == 150)
        #expect(GatherPause.microseconds(afterTransactionOf: .milliseconds(25), waiting: 0) == 150)
    }

    @Test func withManyWaitingOnlyTheMinimum() {
        #expect(GatherPause.microseconds(afterTransactionOf: .zero, waiting: 4) == 150)
        #expect(GatherPause.microseconds(afterTransactionOf: .microseconds(100), waiting: 31) == 150)
    }
}
