import HeraldCore
import Testing

@Suite struct ExpiryScheduleTests {
    static func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: 1_000_000 + seconds * 1000) }

    @Test func aSweepIsDueAtOnceUntilOneHasRun() {
        let schedule = ExpirySchedule()
        #expect(schedule.isDue(now: Self.at(0)))
        schedule.created(expiringAt: Self.at(60))  // creates before the first sweep do not say it all
        #expect(schedule.isDue(now: Self.at(0)))
    }

    @Test func afterASweepTheNextIsDueAtTheEarliestExpiryLeft() {
        let schedule = ExpirySchedule()
        schedule.sweepStarting()
        schedule.swept(nextExpiry: Self.at(30))
        #expect(!schedule.isDue(now: Self.at(0)))
        #expect(!schedule.isDue(now: Timestamp(milliseconds: Self.at(30).milliseconds - 1)))
        #expect(schedule.isDue(now: Self.at(30)))
        schedule.sweepStarting()
        schedule.swept(nextExpiry: nil)  // nothing left: never due, whatever the time
        #expect(!schedule.isDue(now: Self.at(1_000_000_000)))
    }

    @Test func aCreateMakesItDueSoonerNeverLater() {
        let schedule = ExpirySchedule()
        schedule.sweepStarting()
        schedule.swept(nextExpiry: Self.at(30))
        schedule.created(expiringAt: Self.at(90))
        #expect(!schedule.isDue(now: Self.at(29)) && schedule.isDue(now: Self.at(30)))
        schedule.created(expiringAt: Self.at(10))
        #expect(schedule.isDue(now: Self.at(10)) && !schedule.isDue(now: Self.at(9)))
    }

    /// A create that commits after the sweep read what was left, but is noted before the sweep
    /// reports it: the sweep's report must not hide it.
    @Test func aCreateNotedDuringASweepIsKept() {
        let schedule = ExpirySchedule()
        schedule.sweepStarting()
        schedule.created(expiringAt: Self.at(5))
        schedule.swept(nextExpiry: Self.at(30))
        #expect(schedule.isDue(now: Self.at(5)))
    }

    @Test func aFailedSweepMakesTheNextDueAtOnce() {
        let schedule = ExpirySchedule()
        schedule.sweepStarting()
        schedule.swept(nextExpiry: nil)
        schedule.sweepStarting()
        schedule.sweepFailed()
        #expect(schedule.isDue(now: Self.at(0)))
    }

    @Test func concurrentCreatesKeepTheEarliest() async {
        let schedule = ExpirySchedule()
        schedule.sweepStarting()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for second in stride(from: Int64(10_000 + task), to: 100, by: -8) {
                        schedule.created(expiringAt: Self.at(second))
                    }
                }
            }
        }
        #expect(schedule.isDue(now: Self.at(101)) && !schedule.isDue(now: Self.at(100)))
    }
}
