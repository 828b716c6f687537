import Foundation
import GRDB
import GRDBSQLite
import HeraldCore
import Synchronization

/// Copies committed WAL frames into the database file from a connection and thread of its own,
/// in small steps, so that SQLite's automatic checkpoint does not run inside a writer's COMMIT.
///
/// An automatic checkpoint stalls the one writer for as long as it copies and syncs (~5 ms every
/// ~1,000 frames here), and every write waiting behind it: it set the fan-out p99 tail. A passive
/// checkpoint from another connection does not block the writer, and every 20 ms it has little to
/// copy (measured, 1,000 creates/s: p99 publish→receive 6.4–6.6 ms → 1.3–1.5 ms; a checkpoint every
/// 100 ms gave 4.0–5.7 ms, every second 5.0–5.4 ms). The writer arms an automatic checkpoint at a
/// much larger WAL as a fallback, should this thread stop running (``armFallback(on:)``).
///
/// Under steady writes a passive checkpoint never reaches the WAL's end (new commits land while it
/// copies), so SQLite never starts the WAL over from its beginning, and it grew to the fallback:
/// the writer then copied the rest itself and synced the WAL and the database file, ~10 ms during
/// which every write waited, once a second at 5,000 creates/s, which made most of that fan-out's
/// p99. Now, once the WAL holds ``restartFrames``, this thread syncs the database file first (the
/// pages its passive checkpoints copied, without holding anything up), then holds the group commit
/// between two transactions (``WriterGate``) for one more passive checkpoint: it copies the few
/// frames since the last one and reaches the end, so the next transaction starts the WAL over.
/// `bench/compare.sh`, four rounds in each order: 5k/s fan-out p99 5.88 → 4.21 ms and 5.80 →
/// 2.54 ms, creates and batches level.
///
/// SQLite writes a restarted WAL from its start again and never shrinks the file, so a WAL a long
/// read let grow kept its size until the server stopped. Once writes have paused for ~0.3 s and
/// the file is larger than ``WALSettings/idleTruncateBytes``, this thread truncates it (a
/// `TRUNCATE` checkpoint with the group commit held; ``truncateWhileIdle()``).
final class WALCheckpointer: Sendable {
    /// Time between checkpoints while writes come in.
    static let interval: TimeInterval = 0.02
    /// The longest pause while no writes come in (the pause doubles up to it, so an idle server
    /// wakes this thread about three times a second, not fifty).
    static let idleInterval: TimeInterval = 0.32
    /// Nor does it try while more frames than this are left uncopied: a reader's old snapshot keeps
    /// them in the WAL, so a held checkpoint could not reach the end, and trying every 20 ms would
    /// sync the database file and hold the writer each time for nothing.
    static let restartLag = 2_000

    private let database: DatabaseQueue
    private let path: String
    private let gate: WriterGate
    private let settings: WALSettings
    /// When this thread last ended a round (``DispatchTime/uptimeNanoseconds``).
    private let lastRound: Atomic<UInt64>
    /// Whether the writer's automatic checkpoint is armed (changed on the writer's thread only).
    private let fallbackArmed = Atomic<Bool>(true)
    private let fallbackArmings = Atomic<Int>(0)
    private let commits = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let checkpointed = Atomic<Int>(0)
    private let restarts = Atomic<Int>(0)
    private let truncations = Atomic<Int>(0)
    /// Signalled by ``stop()``: ends the thread's pause.
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled when the thread has ended, its connection no longer used.
    private let ended = DispatchSemaphore(value: 0)
    private let closed = Atomic<Bool>(false)

    /// Opens the checkpointing connection and starts its thread.
    init(path: String, configuration: Configuration, gate: WriterGate, settings: WALSettings) throws {
        var configuration = configuration
        // Passive checkpoints never wait; a truncating one must not wait for readers while it
        // holds the writer (``truncateWhileIdle()``).
        configuration.busyMode = .immediateError
        database = try DatabaseQueue(path: path, configuration: configuration)
        self.path = path
        self.gate = gate
        self.settings = settings
        lastRound = Atomic(DispatchTime.now().uptimeNanoseconds)
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

    /// Times this thread held the writer to bring the WAL to its end (for tests and tools).
    var restartAttempts: Int { restarts.load(ordering: .relaxed) }

    /// Times this thread truncated the WAL file while writes paused (for tests and tools).
    var idleTruncations: Int { truncations.load(ordering: .relaxed) }

    /// Times the writer armed its own automatic checkpoint because this thread stalled (for tests
    /// and tools).
    var fallbackArmedTimes: Int { fallbackArmings.load(ordering: .relaxed) }

    /// Called after each commit: there is something to checkpoint.
    func committed() {
        commits.add(1, ordering: .relaxed)
    }

    /// Called on the writer's connection before each transaction: arms the writer's own automatic
    /// checkpoint (at ``WALSettings/fallbackPages``) while this thread has ended no round within
    /// ``WALSettings/stallLimit``, and disarms it while it runs them.
    ///
    /// Always armed, the fallback did harm and no good where the WAL outgrew it because a reader
    /// kept an old snapshot (`herald backup`'s copy, an operator's `sqlite3`): no checkpoint can
    /// copy the frames after that snapshot while it lasts, and when it ended, the next commit
    /// copied the whole backlog itself while every write waited: the slowest create of that second
    /// took 240 and 290 ms (150,000 notifications written during a 10-second read, a WAL of
    /// ~880 MB; release build), now 8–9 ms, as this thread copies the backlog beside the writes.
    /// Armed, the fallback still bounds the WAL should this thread stop running.
    func armFallback(on db: Database) {
        let silent = DispatchTime.now().uptimeNanoseconds &- lastRound.load(ordering: .relaxed)
        let stalled = Duration.nanoseconds(Int64(clamping: silent)) > settings.stallLimit
        guard stalled != fallbackArmed.load(ordering: .relaxed) else { return }
        sqlite3_wal_autocheckpoint(db.sqliteConnection, stalled ? Int32(settings.fallbackPages) : 0)
        fallbackArmed.store(stalled, ordering: .relaxed)
        if stalled { fallbackArmings.add(1, ordering: .relaxed) }
    }

    /// Ends the thread (at once, or after a checkpoint under way) and with it the connection.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        wake.signal()
    }

    /// Ends the thread and waits for it to end (after a checkpoint under way): its connection is
    /// used no more. Blocks: call it on a pool's thread, never on an event loop or Swift's
    /// cooperative pool.
    func stopAndWait() {
        stop()
        ended.wait()
        ended.signal()  // for a second call
    }

    /// Closes the connection, once ``stopAndWait()`` returned (closed under the running thread,
    /// its next checkpoint would use a freed handle). Closed after every other connection to the
    /// database, it is the last, and a writer's: SQLite then copies the WAL into the file and
    /// deletes it and the shared memory's file, which the last close of a reader never does. A
    /// read first opens the WAL on this connection, should no checkpoint have run on it. A second
    /// call does nothing.
    func closeLast() throws {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        try database.inDatabase { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        try database.close()
    }

    /// Brings the WAL to its end with the writer held for as short a time as it can.
    private func restart() {
        // fdatasync writes the file's dirty pages whichever descriptor asks; SQLite's own sync at
        // the checkpoint's end then has little left to write.
        let descriptor = open(path, O_RDONLY)
        if descriptor >= 0 {
            fdatasync(descriptor)
            close(descriptor)
        }
        restarts.add(1, ordering: .relaxed)
        gate.withLock { _ = checkpoint() }
    }

    /// While writes pause, truncates a WAL file larger than ``WALSettings/idleTruncateBytes`` to
    /// nothing. A passive checkpoint first copies what is left, beside any write that comes; only
    /// when it copied every frame, a `TRUNCATE` checkpoint, with the group commit held between
    /// transactions, so a write that comes meanwhile waits on the gate, not in SQLite's busy
    /// handler, which polls. A reader's snapshot makes either give up at once (busy; the
    /// connection does not wait), to try again in the next idle round. The truncation takes the
    /// file system's time to free the file's blocks.
    private func truncateWhileIdle() {
        guard FileSize.bytes(atPath: path + "-wal") > settings.idleTruncateBytes, let wal = checkpoint(),
            wal.walFrameCount == wal.checkpointedFrameCount
        else { return }
        gate.withLock {
            guard (try? database.inDatabase({ try $0.checkpoint(.truncate) })) != nil else { return }
            truncations.add(1, ordering: .relaxed)
        }
    }

    /// One passive checkpoint: the WAL's size and the frames copied so far, or nil when it failed
    /// (busy; retried next time, and the writer's fallback bounds the WAL).
    private func checkpoint() -> (walFrameCount: Int, checkpointedFrameCount: Int)? {
        guard let result = try? database.inDatabase({ try $0.checkpoint(.passive) }) else { return nil }
        checkpointed.add(max(0, result.checkpointedFrameCount), ordering: .relaxed)
        return result
    }

    private func run() {
        defer { ended.signal() }
        var seen = 0
        var pause = Self.interval
        while !stopped.load(ordering: .relaxed) {
            lastRound.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            _ = wake.wait(timeout: .now() + pause)
            guard !stopped.load(ordering: .relaxed) else { return }
            let now = commits.load(ordering: .relaxed)
            guard now != seen else {
                pause = min(pause * 2, Self.idleInterval)
                // Idle for ~0.3 s, and on every later idle round.
                if pause == Self.idleInterval { truncateWhileIdle() }
                continue
            }
            seen = now
            pause = Self.interval
            if let wal = checkpoint(), wal.walFrameCount >= settings.restartFrames,
                wal.walFrameCount - wal.checkpointedFrameCount <= Self.restartLag
            {
                restart()
            }
        }
    }
}
