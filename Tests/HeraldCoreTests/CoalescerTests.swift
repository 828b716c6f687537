import HeraldCore
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct CoalescerTests {
    @Test func eachCallerGetsItsOwnOutput() async {
        let coalescer = Coalescer<Int, Int>(maximumBatch: 16) { inputs in inputs.map { $0 * 10 } }
        let results = await withTaskGroup(of: (Int, Int).self) { group in
            for index in 0..<500 { group.addTask { (index, await coalescer.submit(index)) } }
            var results: [Int: Int] = [:]
            for await (index, output) in group { results[index] = output }
            return results
        }
        #expect(results.count == 500)
        #expect(results.allSatisfy { $0.value == $0.key * 10 })
    }

    @Test func concurrentSubmissionsShareBatchesUpToTheLimit() async {
        let batches = Mutex<[Int]>([])
        let coalescer = Coalescer<Int, Int>(maximumBatch: 8) { inputs in
            batches.withLock { $0.append(inputs.count) }
            try? await Task.sleep(for: .milliseconds(20))  // long enough for the others to queue
            return inputs
        }
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<64 { group.addTask { _ = await coalescer.submit(index) } }
        }
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 64)
        #expect(sizes.allSatisfy { $0 <= 8 })
        #expect(sizes.count < 64 / 2, "batches: \(sizes)")
    }

    @Test func anIdleSubmissionRunsAloneAndInTheCallersTask() async {
        let batches = Mutex<[Int]>([])
        let coalescer = Coalescer<String, String>(maximumBatch: 8) { inputs in
            batches.withLock { $0.append(inputs.count) }
            return inputs.map { $0.uppercased() }
        }
        for word in ["a", "b", "c"] { #expect(await coalescer.submit(word) == word.uppercased()) }
        #expect(batches.withLock { $0 } == [1, 1, 1])
    }
}
