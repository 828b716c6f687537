import Foundation
import Testing

@testable import HeraldCore

struct AfterCompletionsTests {
    /// Work added in a scope runs after the scope's body, in order, on the same thread and outside
    /// the scope; without a scope there is none to add to.
    @Test func workAddedInAScopeRunsAfterItOnTheSameThread() {
        #expect(AfterCompletions.current == nil)
        let log = LockedLog()
        let thread = pthread_self()
        AfterCompletions.collect {
            let scope = AfterCompletions.current
            #expect(scope != nil)
            scope?.add {
                log.append("first")
                #expect(pthread_equal(pthread_self(), thread) != 0)
                #expect(AfterCompletions.current == nil)
            }
            scope?.add { log.append("second") }
            log.append("body")
        }
        #expect(log.entries == ["body", "first", "second"])
        #expect(AfterCompletions.current == nil)
    }

    /// The same on a thread without a task, as the SQLite writer is.
    @Test func aScopeWorksOnAThreadWithoutATask() async {
        let log = LockedLog()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                AfterCompletions.collect {
                    AfterCompletions.current?.add { log.append("after") }
                    log.append("body")
                }
                log.append(AfterCompletions.current == nil ? "no scope" : "scope left")
                continuation.resume()
            }.start()
        }
        #expect(log.entries == ["body", "after", "no scope"])
    }
}

private final class LockedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var entries: [String] { lock.withLock { stored } }
    func append(_ entry: String) { lock.withLock { stored.append(entry) } }
}
