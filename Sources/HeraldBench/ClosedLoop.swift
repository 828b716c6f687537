/// Closed-loop load inside this process: `concurrency` callers, each starting its next call as
/// soon as the last one returned, until the duration is up. Caller `k` makes calls `k`,
/// `k + concurrency`, `k + 2 × concurrency`, …, so the call numbers are distinct across callers.
struct ClosedLoop {
    let concurrency: Int
    let duration: Double
    let latencies = LatencyRecorder()
    let completed = NIOLockedCounter()

    /// Runs the load; returns the seconds it took.
    func run(_ call: @escaping @Sendable (_ number: Int) async throws -> Void) async throws -> Double {
        let started = BenchClock.now()
        let deadline = started + UInt64(duration * 1e9)
        let (concurrency, latencies, completed) = (concurrency, latencies, completed)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<concurrency {
                group.addTask {
                    var number = caller
                    while BenchClock.now() < deadline {
                        let sent = BenchClock.now()
                        try await call(number)
                        latencies.record(nanoseconds: BenchClock.now() - sent)
                        completed.add()
                        number += concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(BenchClock.now() - started) / 1e9
    }
}
