import HeraldCore
import Memcached

/// Turns the counts-cache work of concurrent callers into batched ``CountsCacheJob``s that run one
/// at a time on a memcached worker thread (or on the SQLite writer, after a transaction).
///
/// Callers either await an answer (tasks) or pass a completion that the worker thread calls (event
/// loops, which must not block and gain nothing from a hop through a task). Both join one queue. An
/// idle queue sends a drain to the client's serial worker (only one drain is ever out, so one
/// thread and connection serve them all); the drain takes up to `maximumBatch` items at a
/// time, runs them as one job with one connection, answers them, and keeps going until the queue is
/// empty. Jobs never overlap, so a read never sees another job's apply half done (see
/// ``MemcachedCountsCache``). Work queued by the SQLite writer while it runs a transaction's
/// completions (``AfterCompletions``) starts the drain on the writer instead, right after them,
/// with the same connection: the transaction's applies are one job there, and the worker is woken
/// only if more is left.
final class CountsCacheQueue: Sendable {
    typealias Completion = @Sendable (CountsCacheAnswer) -> Void

    private struct Pending {
        let work: CountsCacheWork
        let completion: Completion
    }

    private let queue: BatchQueue<Pending>
    private let client: MemcachedClient
    private let job: CountsCacheJob

    init(client: MemcachedClient, job: CountsCacheJob, maximumBatch: Int) {
        queue = BatchQueue(maximumBatch: maximumBatch)
        self.client = client
        self.job = job
    }

    /// Queues `work`; `completion` runs with its answer on a memcached worker thread, or on the
    /// calling thread after the scope when there is an ``AfterCompletions`` scope.
    func submit(_ work: CountsCacheWork, completion: @escaping Completion) {
        guard queue.enqueue(Pending(work: work, completion: completion)) else { return }
        if let scope = AfterCompletions.current {
            scope.add { self.drainOnThisThread() }
        } else {
            startDrain()
        }
    }

    /// Queues `work` and waits for its answer.
    func submit(_ work: CountsCacheWork) async -> CountsCacheAnswer {
        await withCheckedContinuation { continuation in
            submit(work) { answer in continuation.resume(returning: answer) }
        }
    }

    private func startDrain() {
        client.withSerialSession { session in
            self.drain(in: session)
        } completion: { result in
            // The drain could not start (client shut down, no connection): fail what waits.
            if case .failure(let error) = result { self.failQueued(error) }
        }
    }

    /// After the completions of a group transaction, on the writer: one batch (the transaction's
    /// applies, and whatever joined them), then the rest, if any, on the worker as usual.
    private func drainOnThisThread() {
        do throws(MemcachedError) {
            let more = try client.withSerialSessionOnThisThread { session in
                queue.drainOneBatch { batch in self.run(batch, in: session) }
            }
            if more { startDrain() }
        } catch {
            failQueued(error)
        }
    }

    /// Runs on a worker thread until the queue is empty.
    private func drain(in session: MemcachedSession) {
        queue.drain { batch in run(batch, in: session) }
    }

    /// Runs one batch as one job and answers its callers.
    private func run(_ batch: [Pending], in session: MemcachedSession) {
        let answers: [CountsCacheAnswer]
        do throws(MemcachedError) {
            let outcome = try CacheMetrics.memcached(.countsBatch) { () throws(MemcachedError) in
                try job.run(batch.map(\.work), in: session)
            }
            if outcome.conflicts > 0 { CacheMetrics.conflicts.increment(by: outcome.conflicts) }
            answers = outcome.answers
        } catch {
            answers = Array(repeating: .failed(error), count: batch.count)
        }
        for (pending, answer) in zip(batch, answers) { pending.completion(answer) }
    }

    private func failQueued(_ error: MemcachedError) {
        CacheMetrics.memcachedErrors.increment()
        queue.drain { batch in
            for pending in batch { pending.completion(.failed(error)) }
        }
    }
}
