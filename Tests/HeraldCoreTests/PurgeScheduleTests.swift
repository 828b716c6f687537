import HeraldCore
import Testing

@Suite struct PurgeScheduleTests {
    static func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: 1_000_000 + seconds * 1000) }

    @Test func anIdleLoopPurgesOnceForRowsSweptBeforeItStarted() {
        var schedule = PurgeSchedule(retentionSeconds: 0, start: Self.at(0))
        #expect(schedule.isDue)
        schedule.swept(removed: 0, returnedAt: Self.at(1))
        schedule.purged(cutoff: schedule.cutoff(now: Self.at(1)))
        for second in Int64(2)...10 {
            schedule.swept(removed: 0, returnedAt: Self.at(second))
            #expect(!schedule.isDue, "second \(second)")
        }
    }

    @Test func aSweepThatRemovesRowsMakesThePurgeDueUntilOneReachesIt() {
        var schedule = PurgeSchedule(retentionSeconds: 0, start: Self.at(0))
        schedule.purged(cutoff: Self.at(0))
        schedule.swept(removed: 3, returnedAt: Self.at(5))
        #expect(schedule.isDue)
        // A cutoff before the sweep (a clock that went back) leaves its rows due.
        schedule.purged(cutoff: Self.at(4))
        #expect(schedule.isDue)
        schedule.purged(cutoff: Self.at(5))
        #expect(!schedule.isDue)
    }

    @Test func withARetentionPurgesGoOnUntilTheCutoffPassesTheLatestSweep() {
        var schedule = PurgeSchedule(retentionSeconds: 60, start: Self.at(0))
        schedule.swept(removed: 1, returnedAt: Self.at(10))
        schedule.swept(removed: 1, returnedAt: Self.at(20))
        #expect(schedule.cutoff(now: Self.at(75)) == Self.at(15))
        schedule.purged(cutoff: schedule.cutoff(now: Self.at(75)))
        #expect(schedule.isDue)  // the rows swept at 20 are kept until 80
        schedule.purged(cutoff: schedule.cutoff(now: Self.at(80)))
        #expect(!schedule.isDue)
    }

    @Test func aFailedRoundMayHaveSweptRows() {
        var schedule = PurgeSchedule(retentionSeconds: 0, start: Self.at(0))
        schedule.purged(cutoff: Self.at(0))
        schedule.roundFailed(at: Self.at(3))
        #expect(schedule.isDue)
        schedule.purged(cutoff: Self.at(3))
        #expect(!schedule.isDue)
    }
}
