/// How long the group commit's writer waits after a transaction shared by several writes before it
/// starts the next one, so that the writes arriving meanwhile join it (as PostgreSQL's
/// `commit_delay` does when other transactions are active).
///
/// At least ``minimum`` after the transaction ended, and no sooner than ``spacing`` after it
/// started: shared transactions start at most about a thousand times a second. Most of a small
/// transaction's cost is per transaction, not per write: the pages it dirties (counters, index
/// leaves, the ends of the tables) are whole 4 KB pages in the WAL and copies in the database file,
/// however many writes changed them. At 5,000 creates/s a transaction gathered ~2.5 creates and the
/// store wrote ~18 KB to the disk per create (80–96 MB/s), and on the bench's VM the host stops the
/// whole VM while its disk is written: for up to ~10 ms at a time, 30–40 ms of every second, which
/// was most of that fan-out's p99 (`bench/stalls.sh`). Spaced 1 ms apart, transactions there
/// gather ~5 creates: in `bench/compare.sh` the 5k/s fan-out's p99 went from 8–17 ms to ~2 ms and
/// its server CPU per delivery fell by ~30%, while the closed loops (single creates and batches,
/// whose transactions already take about that long or gather for it) kept or gained their rates.
/// A write that arrives alone (a quiet server) never waits: the pause follows shared transactions
/// only.
enum GatherPause {
    /// The shortest pause: the clients a transaction answered come back this soon in a closed loop
    /// (with it, 32 clients creating over HTTP shared 7 → 13 writes per transaction).
    static let minimum: Duration = .microseconds(150)
    /// The least time from one shared transaction's start to the next one's.
    static let spacing: Duration = .milliseconds(1)

    /// The pause, in microseconds, after a shared transaction that took `elapsed` from its start.
    static func microseconds(afterTransactionOf elapsed: Duration) -> UInt32 {
        let (seconds, attoseconds) = max(minimum, spacing - elapsed).components
        return UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }
}
