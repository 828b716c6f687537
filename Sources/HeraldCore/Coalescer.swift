import Synchronization

/// Turns concurrent submissions into batches: while one batch is being processed, new submissions
/// queue up and are processed together in the next batch.
///
/// An idle coalescer processes a submission in the caller's own task (no extra hop), so it adds
/// nothing when there is no concurrency; under load one `process` call serves many callers. Used to
/// put the writes of concurrent requests into one SQLite transaction and the memcached calls of
/// concurrent requests into one worker-pool job.
public final class Coalescer<Input: Sendable, Output: Sendable>: Sendable {
    private struct Pending {
        let input: Input
        let continuation: CheckedContinuation<Output, Never>
    }

    private struct State {
        var queue: [Pending] = []
        /// True while some task is processing a batch; the queue is empty whenever this is false.
        var busy = false
    }

    private let state = Mutex(State())
    private let maximumBatch: Int
    private let process: @Sendable ([Input]) async -> [Output]

    /// - Parameters:
    ///   - maximumBatch: the most inputs handed to one `process` call.
    ///   - process: handles a batch; must return exactly one output per input, in order.
    public init(maximumBatch: Int, process: @escaping @Sendable ([Input]) async -> [Output]) {
        precondition(maximumBatch >= 1, "maximumBatch must be at least 1")
        self.maximumBatch = maximumBatch
        self.process = process
    }

    /// Processes `input`, alone or in a batch with other concurrent submissions.
    public func submit(_ input: Input) async -> Output {
        let leads = state.withLock { state in
            if state.busy { return false }
            state.busy = true
            return true
        }
        if leads {
            let output = await run([input])[0]
            handOver()
            return output
        }
        return await withCheckedContinuation { continuation in
            let startsDrainer = state.withLock { state in
                state.queue.append(Pending(input: input, continuation: continuation))
                if state.busy { return false }
                state.busy = true
                return true
            }
            if startsDrainer { Task { await self.drain() } }
        }
    }

    private func run(_ inputs: [Input]) async -> [Output] {
        let outputs = await process(inputs)
        precondition(outputs.count == inputs.count, "Coalescer.process must return one output per input")
        return outputs
    }

    /// After a leader's own batch: work that queued meanwhile goes to a drainer task.
    private func handOver() {
        let more = state.withLock { state in
            if state.queue.isEmpty { state.busy = false }
            return state.busy
        }
        if more { Task { await self.drain() } }
    }

    private func drain() async {
        while true {
            let batch: [Pending] = state.withLock { state in
                let batch = Array(state.queue.prefix(maximumBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.busy = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let outputs = await run(batch.map { $0.input })
            for index in batch.indices { batch[index].continuation.resume(returning: outputs[index]) }
        }
    }
}
