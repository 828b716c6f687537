import Testing

@testable import HeraldCore

struct BatchQueueTests {
    /// Only the first item of an idle queue asks for a drain; the drain takes everything in order,
    /// at most `maximumBatch` at a time, including items added while it runs; then the queue is
    /// idle again.
    @Test func oneDrainTakesEverythingInBatches() {
        let queue = BatchQueue<Int>(maximumBatch: 3)
        #expect(queue.enqueue(0))
        for item in 1..<7 { #expect(!queue.enqueue(item)) }
        var batches: [[Int]] = []
        queue.drain { batch in
            batches.append(batch)
            if batches.count == 1 { #expect(!queue.enqueue(7)) }  // still draining
        }
        #expect(batches == [[0, 1, 2], [3, 4, 5], [6, 7]])
        #expect(queue.enqueue(8))
        queue.drain { batches.append($0) }
        #expect(batches.last == [8])
    }

    /// `count` is what waits for a drain, not what a running batch holds.
    @Test func countIsWhatWaits() {
        let queue = BatchQueue<Int>(maximumBatch: 2)
        #expect(queue.count == 0)
        for item in 0..<5 { _ = queue.enqueue(item) }
        #expect(queue.count == 5)
        var seen: [Int] = []
        queue.drain { _ in seen.append(queue.count) }
        #expect(seen == [3, 1, 0])
        #expect(queue.count == 0)
    }

    /// A first batch alone: true while items are left (the drain stays scheduled, so an enqueue
    /// does not ask for another), false once the queue is empty and idle again.
    @Test func aFirstBatchAloneSaysWhetherTheDrainMustGoOn() {
        let queue = BatchQueue<Int>(maximumBatch: 2)
        #expect(!queue.drainOneBatch { _ in Issue.record("an empty queue has no batch") })
        for item in 0..<3 { _ = queue.enqueue(item) }
        var batches: [[Int]] = []
        #expect(queue.drainOneBatch { batches.append($0) })
        #expect(!queue.enqueue(3), "still scheduled")
        queue.drain { batches.append($0) }
        #expect(batches == [[0, 1], [2, 3]])
        #expect(queue.enqueue(4))
        #expect(!queue.drainOneBatch { batches.append($0) })
        #expect(batches.last == [4])
        #expect(queue.enqueue(5), "idle again")
    }
}
