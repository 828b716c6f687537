import Testing

@testable import HeraldHTTP

/// When streams ping: never more than an interval apart, and streams opened together spread over
/// the interval instead of pinging in one tick. The ticker is simulated: a look every tick, from a
/// moment that is not aligned with the openings.
struct HeartbeatScheduleTests {
    let schedule = HeartbeatSchedule(intervalMilliseconds: 15_000, tickMilliseconds: 250)

    /// The times one stream opened at `openedAt` pings, over ticks until `end`.
    func pings(firstDue: Int64, ticksFrom start: Int64, until end: Int64) -> [Int64] {
        var due = firstDue
        var sent: [Int64] = []
        for now in stride(from: start, through: end, by: Int(schedule.tickMilliseconds))
        where schedule.isDue(due, now: now) {
            sent.append(now)
            due = schedule.nextDue(sentAt: now)
        }
        return sent
    }

    @Test func firstPingFallsInTheFirstInterval() {
        #expect(schedule.firstDue(openedAt: 1_000, offset: 0) == 1_001)
        #expect(schedule.firstDue(openedAt: 1_000, offset: 20_000) == 16_000)
        #expect(schedule.firstDue(openedAt: 1_000, offset: 7_000) == 8_000)
        for _ in 0..<1_000 {
            let due = schedule.firstDue(openedAt: 1_000)
            #expect(due > 1_000 && due <= 16_000)
        }
    }

    @Test func noGapBetweenPingsExceedsTheInterval() {
        for offset: Int64 in [1, 137, 7_500, 14_999, 15_000] {
            let opened: Int64 = 10_003
            let sent = pings(
                firstDue: schedule.firstDue(openedAt: opened, offset: offset), ticksFrom: 10_100, until: 130_000)
            #expect(sent.count >= 7)
            #expect(sent[0] - opened <= 15_000)
            #expect(sent[0] > opened + offset - 250)
            for (earlier, later) in zip(sent, sent.dropFirst()) {
                #expect(later - earlier <= 15_000)
                #expect(later - earlier >= 15_000 - 250)
            }
        }
    }

    @Test func streamsOpenedTogetherPingInDifferentTicks() {
        let opened: Int64 = 50_000
        let dues = (0..<10_000).map { _ in schedule.firstDue(openedAt: opened) }
        var perTick: [Int64: Int] = [:]
        for due in dues {
            for now in pings(firstDue: due, ticksFrom: opened + 40, until: opened + 60_000) {
                perTick[now, default: 0] += 1
            }
        }
        // Every stream pings about four times a minute, the 10,000 over the interval's 60 ticks:
        // ~167 a tick on average, never all of them at once.
        #expect(perTick.values.reduce(0, +) >= 40_000)
        #expect(perTick.count >= 200)
        #expect(perTick.values.max()! < 400)
    }
}
