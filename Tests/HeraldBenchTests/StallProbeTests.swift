import Testing

@testable import herald_bench

/// The stall probe times every sleep, counts the late ones as stalls, and finds the point of the
/// 100 ms grid the stalls end at, across the grid's wrap-around.
struct StallProbeTests {
    private func result(endPhases: [Int]) -> StallProbe.Result {
        StallProbe.Result(
            sleeps: 100, lateness: LatencyRecorder(), stalls: endPhases.count, stalledMilliseconds: 0,
            endPhases: endPhases, realtime: true)
    }

    @Test func theGridIsWhereMostStallsEnd() {
        let grid = result(endPhases: [86, 87, 88, 88, 89, 20]).grid
        #expect((86...89).contains(grid.phase))
        #expect(grid.share == 5.0 / 6.0)
    }

    @Test func theGridWrapsAroundTheHundredthMillisecond() {
        let grid = result(endPhases: [98, 99, 0, 1, 2]).grid
        #expect(grid.phase == 0)
        #expect(grid.share == 1)
    }

    @Test func noStallsNoGrid() {
        let grid = result(endPhases: []).grid
        #expect(grid.phase == 0 && grid.share == 0)
    }

    @Test func everySleepIsTimedAndTheLateOnesCount() async {
        // 1 ms sleeps for 0.1 s: at most 100 of them. Any wake-up is some nanoseconds late, so with
        // a threshold of a nanosecond nearly all are stalls, each with the phase it ended at.
        let probe = StallProbe(periodMicroseconds: 1_000, thresholdMilliseconds: 0.000_001, seconds: 0.1)
        let result = await probe.run()
        #expect(result.sleeps > 10 && result.sleeps <= 100)
        #expect(result.lateness.count == UInt64(result.sleeps))
        #expect(result.stalls > result.sleeps / 2)
        #expect(result.endPhases.count == result.stalls)
        #expect(result.endPhases.allSatisfy { (0..<100).contains($0) })
        #expect(result.stalledMilliseconds > 0)
    }

    @Test func watchingRunsBesideTheCallerWithTheCommandsDefaults() async {
        let watching = StallProbe.watch(seconds: 0.05)
        let result = await watching.value
        // 250 µs sleeps for 50 ms: at most 200, each timed.
        #expect(result.sleeps > 5 && result.sleeps <= 200)
        #expect(result.lateness.count == UInt64(result.sleeps))
        #expect(result.stalls == result.endPhases.count)
    }
}
