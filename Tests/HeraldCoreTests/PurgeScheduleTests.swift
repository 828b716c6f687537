import Testing

@testable import HeraldCore

@Suite struct PurgeScheduleTests {
    static func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: 1_000_000 + seconds * 1000) }

    @Test func anIdleLoopPurgesOnceForRowsSweptBeforeItStarted() {
        var schedule = PurgeSchedule(retentionSeconds: 0, start: Self.at(0))
        #expect(schedule.isDue(now: Self.at(0)))
        schedule.swept(removed: 0, returnedAt: Self.at(1))
        schedule.purged(cutoff: schedule.cutoff(now: Self.at(1)))
        for second in Int64(2)...10 {
            schedule.swept(removed: 0, returnedAt: Self.at(second))
            #expect(!schedule.isDue(now: Self.at(second)), "second \(second)")
        }
    }

    @Test func aSweepThatRemovesRowsMakesThePurgeDueUntilOneReachesIt() {
        var schedule = PurgeSchedule(retentionSeconds: 0, start: Self.at(0))
        schedule.purged(cutoff: Self.at(0))
        schedule.swept(removed: 3, returnedAt: Self.at(5))
        #expect(schedule.isDue(now: Self.at(5)))
        // A cutoff before the sweep (a clock that went back) leaves its rows due.
        schedule.purged(cutoff: Self.at(4))
        #expect(schedule.isDue(now: Self.at(5)))
        schedule.purged(cutoff: Self.at(5))
        #expect(!schedule.isDue(now: Self.at(6)))
    }

    /// With a retention, a purge is due only once its cutoff reaches a sweep's rows, one purge per
    /// sweep, not one every round while any are kept. (Whole seconds a multiple of three from a
    /// whole minute: times the retention's thousandth, 60 ms, divides, so none is rounded.)
    @Test func withARetentionEachSweepsRowsArePurgedOnceTheyAreOldEnough() {
        func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: 960_000 + seconds * 1000) }
        var schedule = PurgeSchedule(retentionSeconds: 60, start: at(0))
        #expect(!schedule.isDue(now: at(59)) && schedule.isDue(now: at(60)))  // rows swept before the start
        schedule.purged(cutoff: schedule.cutoff(now: at(60)))
        schedule.swept(removed: 1, returnedAt: at(69))
        schedule.swept(removed: 1, returnedAt: at(81))
        schedule.swept(removed: 0, returnedAt: at(90))
        #expect(schedule.cutoff(now: at(135)) == at(75))
        #expect(!schedule.isDue(now: Timestamp(milliseconds: at(129).milliseconds - 1)))
        #expect(schedule.isDue(now: at(129)))
        schedule.purged(cutoff: schedule.cutoff(now: at(129)))
        for second in Int64(130)..<141 { #expect(!schedule.isDue(now: at(second)), "second \(second)") }
        #expect(schedule.isDue(now: at(141)))  // the rows swept at 81
        schedule.purged(cutoff: schedule.cutoff(now: at(141)))
        #expect(!schedule.isDue(now: at(100_000)))
    }

    /// Sweep times are rounded up to a thousandth of the retention, so a long retention keeps a
    /// bounded list: a day's rows are purged at most 86.4 s late.
    @Test func sweepTimesAreRoundedUpToAThousandthOfTheRetention() {
        let day: Int64 = 86_400
        var schedule = PurgeSchedule(retentionSeconds: day, start: Timestamp(milliseconds: 0))
        schedule.purged(cutoff: Timestamp(milliseconds: 0))
        schedule.swept(removed: 1, returnedAt: Timestamp(milliseconds: 1))
        schedule.swept(removed: 1, returnedAt: Timestamp(milliseconds: 86_399))
        let firstBoundary = Timestamp(milliseconds: day * 1000 + 86_400)
        #expect(!schedule.isDue(now: Timestamp(milliseconds: firstBoundary.milliseconds - 1)))
        #expect(schedule.isDue(now: firstBoundary))
        schedule.purged(cutoff: schedule.cutoff(now: firstBoundary))  // both sweeps' rows at once
        #expect(!schedule.isDue(now: Timestamp(milliseconds: firstBoundary.milliseconds + 1_000_000)))
    }

    /// Sweeps whose times round up to the same boundary keep one time, so that the schedule holds
    /// about a thousand at most, however often the loop sweeps.
    @Test func sweepsWithinOneRoundingKeepOneTime() {
        var schedule = PurgeSchedule(retentionSeconds: 86_400, start: Timestamp(milliseconds: 0))
        schedule.purged(cutoff: Timestamp(milliseconds: 0))
        for millisecond in stride(from: Int64(1), through: 86_400, by: 100) {
            schedule.swept(removed: 1, returnedAt: Timestamp(milliseconds: millisecond))
        }
        #expect(schedule.pendingSweeps == [Timestamp(milliseconds: 86_400)])
        schedule.swept(removed: 1, returnedAt: Timestamp(milliseconds: 86_401))
        #expect(schedule.pendingSweeps.count == 2)
    }

    @Test func aFailedRoundMayHaveSweptRows() {
        var schedule = PurgeSchedule(retentionSeconds: 0, start: Self.at(0))
        schedule.purged(cutoff: Self.at(0))
        schedule.roundFailed(at: Self.at(3))
        #expect(schedule.isDue(now: Self.at(3)))
        schedule.purged(cutoff: Self.at(3))
        #expect(!schedule.isDue(now: Self.at(4)))
    }
}
