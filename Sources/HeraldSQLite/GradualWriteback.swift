import CSQLiteSupport
import Foundation
import Synchronization

/// Has the kernel write a file out to the disk while another writer fills it, a step every 100 ms,
/// so that the sync at its end has little left to write.
///
/// `herald backup`'s copy of a large database was written to the disk only by its final sync:
/// 1.1 GB at once, which held the disk for ~0.6 s, and a running server's WAL sync (every 10,000
/// changed rows) waited behind it, with every write. Measured beside a load of batches (release
/// build): a script writing 1.1 GB then syncing held a create up to 289–583 ms, and 129–172 ms
/// when it started the writeback every 16 or 64 MB; backups of a 1.1 GB database, the slowest
/// create 243, 244, 287 and 450 ms with this against 177, 384, 387 and 458 ms without.
final class GradualWriteback: Sendable {
    /// Time between two steps.
    static let interval: TimeInterval = 0.1

    private let stopped = Atomic<Bool>(false)
    private let steps = Atomic<Int>(0)
    private let ended = DispatchSemaphore(value: 0)

    /// Starts a thread that, until ``stop()``, starts the writeback of every page of the file at
    /// `path` that is written and not yet on the disk, once the file exists. It does not wait for
    /// the disk: the writer's pace is its own.
    init(path: String) {
        let thread = Thread { [self] in
            Thread.current.name = "herald-writeback"
            var descriptor: Int32 = -1
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Self.interval)
                if descriptor < 0 { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
                if descriptor >= 0, herald_start_writeback(descriptor) == 0 {
                    steps.add(1, ordering: .relaxed)
                }
            }
            if descriptor >= 0 { close(descriptor) }
            ended.signal()
        }
        thread.start()
    }

    /// Writebacks started so far (for tests).
    var stepsTaken: Int { steps.load(ordering: .relaxed) }

    /// Ends the thread and waits for it (one step at most).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        ended.wait()
    }
}
