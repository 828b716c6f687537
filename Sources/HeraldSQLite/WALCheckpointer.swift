import Foundation
import GRDB
import Synchronization

/// Copies committed WAL frames into the database file from a connection and thread of its own,
/// in small steps, so that SQLite's automatic checkpoint does not run inside a writer's COMMIT.
///
/// An automatic checkpoint stalls the one writer for as long as it copies and syncs (~5 ms every
/// ~1,000 frames here), and every write waiting behind it: it set the fan-out p99 tail. A passive
/// checkpoint from another connection does not block the writer, and every 20 ms it has little to
/// copy (measured, 1,000 creates/s: p99 publish→receive 6.4–6.6 ms → 1.3–1.5 ms; a checkpoint every
/// 100 ms gave 4.0–5.7 ms, every second 5.0–5.4 ms). The writer keeps an automatic checkpoint at a
/// much larger WAL as a fallback, should this one fall behind.
final class WALCheckpointer: Sendable {
    /// Time between checkpoints while writes come in.
    static let interval: TimeInterval = 0.02
    /// The longest pause while no writes come in (the pause doubles up to it, so an idle server
    /// wakes this thread about three times a second, not fifty).
    static let idleInterval: TimeInterval = 0.32
    /// The writer's own automatic checkpoint threshold (pages), a fallback only.
    static let fallbackPages = 10_000

    private let database: DatabaseQueue
    private let commits = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let checkpointed = Atomic<Int>(0)

    /// Opens the checkpointing connection and starts its thread.
    init(path: String, configuration: Configuration) throws {
        database = try DatabaseQueue(path: path, configuration: configuration)
        let thread = Thread { [self] in
            // Named from inside: on Linux, Foundation applies a name only to the current thread,
            // and the kernel keeps at most 15 characters.
            Thread.current.name = "herald-wal-ckpt"
            run()
        }
        thread.start()
    }

    /// Frames copied into the database file so far.
    var framesCheckpointed: Int { checkpointed.load(ordering: .relaxed) }

    /// Called after each commit: there is something to checkpoint.
    func committed() {
        commits.add(1, ordering: .relaxed)
    }

    /// Ends the thread (within one pause) and with it the connection.
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func run() {
        var seen = 0
        var pause = Self.interval
        while !stopped.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: pause)
            let now = commits.load(ordering: .relaxed)
            guard now != seen else {
                pause = min(pause * 2, Self.idleInterval)
                continue
            }
            seen = now
            pause = Self.interval
            // A failed checkpoint (busy) is retried next time; the writer's fallback bounds the WAL.
            if let result = try? database.inDatabase({ try $0.checkpoint(.passive) }) {
                checkpointed.add(max(0, result.checkpointedFrameCount), ordering: .relaxed)
            }
        }
    }
}
