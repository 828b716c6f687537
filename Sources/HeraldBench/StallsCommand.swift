import ArgumentParser

/// A machine fact behind the fan-out tails: how long the machine as a whole stopped while a load
/// ran (see ``StallProbe``). Run beside a load, as `bench/stalls.sh` does.
struct StallsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stalls",
        abstract: "How long the whole machine stopped: a real-time thread's late wake-ups over a period.")

    @Option(help: "Seconds to watch.") var duration = 5.0
    @Option(help: "Microseconds the probe sleeps each time.") var periodUs = StallProbe.defaultPeriodMicroseconds
    @Option(help: "A wake-up later than this many milliseconds is a stall.") var thresholdMs =
        StallProbe.defaultThresholdMilliseconds
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard (10...100_000).contains(periodUs) else {
            throw ValidationError("--period-us must be from 10 to 100,000")
        }
        guard thresholdMs > 0 else { throw ValidationError("--threshold-ms must be positive") }
    }

    func run() async throws {
        let probe = StallProbe(periodMicroseconds: periodUs, thresholdMilliseconds: thresholdMs, seconds: duration)
        let result = await probe.run()
        let grid = result.grid
        if !result.realtime {
            print("not real-time (SCHED_FIFO needs root): the stalls include waits for a busy vCPU")
        }
        let stalls = String(
            format: "%d sleeps, %d stalls over %.1f ms, %.1f ms stopped per second", result.sleeps, result.stalls,
            thresholdMs, result.stalledMilliseconds / duration)
        let ends = String(
            format: "%.0f%% of them ended within 2 ms of %d ms on a 100 ms grid", grid.share * 100, grid.phase)
        print(result.stalls > 0 ? "\(stalls); \(ends)" : stalls)
        try common.emit([
            "scenario": .text("stalls"), "seconds": .number(duration), "period_us": .number(Double(periodUs)),
            "threshold_ms": .number(thresholdMs), "realtime": .text(result.realtime ? "yes" : "no"),
            "sleeps": .number(Double(result.sleeps)), "stalls": .number(Double(result.stalls)),
            "stalled_ms": .number(result.stalledMilliseconds),
            "stalled_ms_per_second": .number(result.stalledMilliseconds / duration),
            "lateness_ms": .latency(result.lateness.summary()),
            "grid_phase_ms": .number(Double(grid.phase)), "grid_share": .number(grid.share),
        ])
    }
}
