import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Measures how long the whole machine stops: one real-time thread (`SCHED_FIFO`, so no other
/// thread of the guest keeps it from a vCPU) sleeps a short period again and again, and every
/// wake-up that comes later than `threshold` is a stall. In a VM, a stall that every vCPU sees at
/// once is the host not running the VM; on the bench's VM they end on a fixed 100 ms grid of the
/// monotonic clock, the period of the host's CPU accounting (see `bench/stalls.sh`).
struct StallProbe {
    /// What a run measured.
    struct Result {
        /// Sleeps completed.
        let sleeps: Int
        /// How late every wake-up was, beyond the period asked for.
        let lateness: LatencyRecorder
        /// Wake-ups later than the threshold, and their lateness summed, in milliseconds.
        let stalls: Int
        let stalledMilliseconds: Double
        /// Where within 100 ms of the monotonic clock each stall ended, in whole milliseconds.
        let endPhases: [Int]
        /// Whether the thread ran under `SCHED_FIFO` (root, or `CAP_SYS_NICE`, needed).
        let realtime: Bool

        /// The millisecond of the 100 ms grid that most stalls ended at, and the share of stalls
        /// that ended within 2 ms of it (about 0.05 if they end anywhere).
        var grid: (phase: Int, share: Double) {
            guard !endPhases.isEmpty else { return (0, 0) }
            var counts = [Int](repeating: 0, count: 100)
            for phase in endPhases { counts[phase] += 1 }
            let near = { (mode: Int) in (-2...2).reduce(0) { $0 + counts[(mode + $1 + 100) % 100] } }
            let mode = (0..<100).max { near($0) < near($1) } ?? 0
            return (mode, Double(near(mode)) / Double(endPhases.count))
        }
    }

    /// The defaults of `herald-bench stalls` and of `fanout --stall-probe`.
    static let defaultPeriodMicroseconds = 250
    static let defaultThresholdMilliseconds = 1.0

    let periodMicroseconds: Int
    let thresholdMilliseconds: Double
    let seconds: Double

    /// Starts watching with the defaults of `herald-bench stalls` (250 µs sleeps, stalls over 1 ms)
    /// for `seconds`, beside whatever the caller goes on to do.
    static func watch(seconds: Double) -> Task<Result, Never> {
        let probe = StallProbe(
            periodMicroseconds: defaultPeriodMicroseconds, thresholdMilliseconds: defaultThresholdMilliseconds,
            seconds: seconds)
        return Task { await probe.run() }
    }

    /// Runs on a thread of its own for `seconds` and returns what it saw.
    func run() async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: measure()) }
            thread.start()
        }
    }

    private func measure() -> Result {
        var parameters = sched_param()
        parameters.sched_priority = 50
        let realtime = pthread_setschedparam(pthread_self(), Int32(SCHED_FIFO), &parameters) == 0
        let lateness = LatencyRecorder()
        let period = UInt64(periodMicroseconds) * 1_000
        let threshold = UInt64(thresholdMilliseconds * 1e6)
        var request = timespec(tv_sec: 0, tv_nsec: Int(period))
        var sleeps = 0
        var stalls = 0
        var stalled: UInt64 = 0
        var endPhases: [Int] = []
        let end = BenchClock.now() + UInt64(seconds * 1e9)
        while true {
            let before = BenchClock.now()
            guard before < end else { break }
            clock_nanosleep(CLOCK_MONOTONIC, 0, &request, nil)
            let after = BenchClock.now()
            let late = after - before > period ? after - before - period : 0
            lateness.record(nanoseconds: late)
            sleeps += 1
            if late > threshold {
                stalls += 1
                stalled += late
                endPhases.append(Int(after % 100_000_000 / 1_000_000))
            }
        }
        return Result(
            sleeps: sleeps, lateness: lateness, stalls: stalls, stalledMilliseconds: Double(stalled) / 1e6,
            endPhases: endPhases, realtime: realtime)
    }
}
