import Testing

@testable import HeraldSQLite

/// The pause after a shared transaction makes up the spacing from its start, but is never shorter
/// than the minimum.
struct GatherPauseTests {
    @Test func aShortTransactionWaitsOutTheSpacing() {
        #expect(GatherPause.microseconds(afterTransactionOf: .zero) == 1_000)
        #expect(GatherPause.microseconds(afterTransactionOf: .microseconds(400)) == 600)
        #expect(GatherPause.microseconds(afterTransactionOf: .nanoseconds(849_500)) == 150)
    }

    @Test func aLongTransactionStillPausesTheMinimum() {
        #expect(GatherPause.microseconds(afterTransactionOf: .microseconds(900)) == 150)
        #expect(GatherPause.microseconds(afterTransactionOf: .milliseconds(25)) == 150)
    }
}
