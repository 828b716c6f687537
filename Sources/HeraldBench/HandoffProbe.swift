import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Measures what a thread hand-off costs on this machine: an event loop passes a piece of work to a
/// thread of its own (an `NIOThreadPool` thread, as Herald's SQLite writer is) and the answer comes
/// back to the loop, the round trip every durable write makes. Nothing else runs: the work is empty.
///
/// The loop starts one round trip per tick of a timer at a fixed rate, so at rates like a fan-out's
/// (1k–5k/s) each finds both threads asleep, and the measurement is the cost of waking them: the
/// CPU of the whole process per round trip, less that of the same timer ticking alone, and the
/// latency from the tick to the answer back on the loop.
struct HandoffProbe {
    /// What one phase measured.
    struct Phase {
        /// Round trips (or ticks, for the timer alone) completed.
        let completed: Int
        /// CPU seconds of this process (all threads) over the phase.
        let cpuSeconds: Double
        /// Tick → answer on the loop (the timer alone records nothing).
        let latencies: LatencyRecorder

        /// CPU per completed round trip or tick, in microseconds.
        var cpuMicrosecondsEach: Double { completed > 0 ? cpuSeconds / Double(completed) * 1e6 : 0 }
    }

    let rate: Double
    let duration: Double

    /// Ticks at `rate` for `duration` seconds on `loop`; with a `worker`, each tick hands an empty
    /// piece of work to it, which hands the answer back to the loop.
    func measure(on loop: any EventLoop, worker: NIOThreadPool?) async throws -> Phase {
        let latencies = LatencyRecorder()
        let completed = Atomic<Int>(0)
        let interval = TimeAmount.nanoseconds(Int64(1e9 / rate))
        let ticks = max(1, Int(rate * duration))
        let finished = loop.makePromise(of: Void.self)
        let cpuBefore = ProcessStats.ownCPUSeconds()
        Self.tick(1, of: ticks, from: .now(), every: interval, on: loop, finished: finished) {
            guard let worker else {
                completed.add(1, ordering: .relaxed)
                return
            }
            let tick = NIODeadline.now()
            worker.submit { _ in
                loop.execute {
                    latencies.record(nanoseconds: (NIODeadline.now() - tick).nanoseconds.magnitude)
                    completed.add(1, ordering: .relaxed)
                }
            }
        }
        try await finished.futureResult.get()
        let cpu = ProcessStats.ownCPUSeconds() - cpuBefore
        // The last hand-off's answer, if one was still out.
        try await Task.sleep(nanoseconds: 20_000_000)
        return Phase(completed: completed.load(ordering: .relaxed), cpuSeconds: cpu, latencies: latencies)
    }

    /// Runs `body` at `start + number × interval` (a fixed rate: a late tick does not delay the
    /// next), then schedules the next until `count` ran.
    private static func tick(
        _ number: Int, of count: Int, from start: NIODeadline, every interval: TimeAmount, on loop: any EventLoop,
        finished: EventLoopPromise<Void>, body: @escaping @Sendable () -> Void
    ) {
        loop.scheduleTask(deadline: start + interval * Int64(number)) {
            body()
            if number < count {
                tick(number + 1, of: count, from: start, every: interval, on: loop, finished: finished, body: body)
            } else {
                finished.succeed()
            }
        }
    }
}
