import ArgumentParser
import NIOPosix

/// A machine fact behind the fan-out figures: the CPU and latency of one event loop → thread →
/// event loop round trip (see ``HandoffProbe``), the hand-off each of Herald's durable writes makes
/// and nchan, which publishes from memory on its one worker, never does.
struct HandoffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handoff",
        abstract: "CPU and latency of an event loop → worker thread → event loop round trip at a fixed rate.")

    @Option(help: "Round trips per second.") var rate = 5000.0
    @Option(help: "Seconds per phase (the timer alone, then with the round trips).") var duration = 3.0
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard rate > 0, rate <= 100_000 else { throw ValidationError("--rate must be above 0 and at most 100,000") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let worker = NIOThreadPool(numberOfThreads: 1)
        worker.start()
        let probe = HandoffProbe(rate: rate, duration: duration)
        let loop = group.next()
        let timer = try await probe.measure(on: loop, worker: nil)
        let handoff = try await probe.measure(on: loop, worker: worker)
        try await worker.shutdownGracefully()
        try await group.shutdownGracefully()
        let latency = handoff.latencies.summary()
        print("timer alone: \(timer.completed) ticks, \(format(timer.cpuMicrosecondsEach)) µs CPU each")
        print(
            "with the round trip: \(handoff.completed), \(format(handoff.cpuMicrosecondsEach)) µs CPU each; \(latency.line)"
        )
        try common.emit([
            "scenario": .text("handoff"), "rate": .number(rate),
            "round_trips": .number(Double(handoff.completed)),
            "timer_cpu_us": .number(timer.cpuMicrosecondsEach),
            "round_trip_cpu_us": .number(handoff.cpuMicrosecondsEach),
            "handoff_cpu_us": .number(handoff.cpuMicrosecondsEach - timer.cpuMicrosecondsEach),
            "latency_ms": .latency(latency),
        ])
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
