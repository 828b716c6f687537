import GRDB

/// The seqs of the database a restore replaces (``DatabaseRestore``), read a page of users at a
/// time in the order of their ids, so that a restore's memory stays the same for any number of
/// users (read all at once, a million users held ~64 MB more).
struct ReplacedSequences {
    /// The replaced database.
    let path: String
    /// How far past its seqs the database's last run may have answered events: its margin when a
    /// power loss may have ended that run (``SessionMarker``), else 0. Added to every seq read.
    let lost: Int64
    private let queue: DatabaseQueue

    /// Opens the database at `path` for writing, so that its WAL is replayed, and reads its run's
    /// mark as of boot `boot`. Throws ``DatabaseOpenError/Code/inUse`` when another program holds
    /// it locked for more than `lockWait` seconds, ``DatabaseOpenError/Code/foreign`` when it is not
    /// Herald's, and the codes of ``DatabaseOpenError/reporting(_:as:_:)`` when it cannot be read.
    init(path: String, lockWait: Double, boot: Int64?) throws(DatabaseOpenError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(lockWait)  // a checkpoint ending, another program's lock
        let queue = try Self.reading(path) { try DatabaseQueue(path: path, configuration: configuration) }
        self.path = path
        self.queue = queue
        lost = try Self.reading(path) {
            try queue.read { db in
                guard try db.tableExists("user_counter") else {
                    throw DatabaseOpenError(.foreign, "\(path) is not a Herald database")
                }
                return try db.tableExists("meta") ? try SessionMarker.possibleLoss(db, boot: boot) ?? 0 : 0
            }
        }
    }

    /// At most `limit` users whose ids sort after `user`, in the order of their ids, each with its
    /// seq plus ``lost``. Fewer than `limit`: the last page.
    func page(after user: String, limit: Int) throws(DatabaseOpenError) -> [(user: String, seq: Int64)] {
        let lost = lost
        return try Self.reading(path) {
            try queue.read { db in
                try SQLiteStore.counterPage(db, after: user, limit: limit).map { ($0.user, $0.seq + lost) }
            }
        }
    }

    /// Closes the database, its WAL checkpointed into the file, before it is set aside. A WAL that
    /// cannot be checkpointed is left as it is: it is set aside with the file, which replays it.
    func close() {
        try? queue.close()
    }

    /// Runs `body` on the database at `path`, its lock held by another program read as
    /// ``DatabaseOpenError/Code/inUse`` and anything else as ``DatabaseOpenError/reporting(_:as:_:)``
    /// reads it.
    private static func reading<Value>(_ path: String, _ body: () throws -> Value) throws(DatabaseOpenError) -> Value {
        try DatabaseOpenError.reporting(path, as: path) {
            do {
                return try body()
            } catch let error as DatabaseError
                where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
            {
                throw DatabaseOpenError(.inUse, "another program holds \(path) locked: end it, then restore")
            }
        }
    }
}
