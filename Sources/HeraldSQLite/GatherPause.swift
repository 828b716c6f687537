/// How long the group commit's writer waits after a transaction shared by several writes before it
/// starts the next one, so that the writes arriving meanwhile join it (as PostgreSQL's
/// `commit_delay` does when other transactions are active).
///
/// While fewer than ``fewWaiting`` writes wait, the next transaction starts no sooner than
/// ``spacing`` after this one started; otherwise, and at the least, ``minimum`` after it ended.
/// Most of a small transaction's cost is per transaction, not per write: the pages it dirties
/// (counters, index leaves, the ends of the tables) are whole 4 KB pages in the WAL and copies in
/// the database file, however many writes changed them. At 5,000 creates/s a transaction gathered
/// ~2.5 creates and the store wrote ~18 KB to the disk per create (80–96 MB/s), and on the bench's
/// VM the host stops the whole VM while its disk is written: for up to ~10 ms at a time, 30–40 ms
/// of every second, which was most of that fan-out's p99 (`bench/stalls.sh`). With the spacing,
/// `bench/compare.sh`, four rounds: the 5k/s fan-out's p99 7.1 → 2.1 ms and its server CPU per
/// delivery 196 → 141 µs, batches and single creates within the rounds' spread. Spacing every
/// shared transaction, however many writes waited, cost single creates 4–16% (32 clients, each
/// waiting on its answer, sat out the spacing every transaction).
///
/// A write that arrives alone (a quiet server) never waits: the pause follows shared transactions
/// only.
enum GatherPause {
    /// The shortest pause: the clients a transaction answered come back this soon in a closed loop
    /// (with it, 32 clients creating over HTTP shared 7 → 13 writes per transaction).
    static let minimum: Duration = .microseconds(150)
    /// While few writes wait, the least time from one shared transaction's start to the next one's.
    static let spacing: Duration = .milliseconds(1)

    /// The spacing applies while fewer writes than this wait for the next transaction; with more,
    /// the next transaction is not a small one anyway, and in a closed loop (32 clients creating)
    /// waiting out the spacing held back every client's next request.
    static let fewWaiting = 4

    /// The pause, in microseconds, after a shared transaction that took `elapsed` from its start,
    /// with `waiting` writes queued meanwhile.
    static func microseconds(afterTransactionOf elapsed: Duration, waiting: Int) -> UInt32 {
        let pause = waiting < fewWaiting ? max(minimum, spacing - elapsed) : minimum
        let (seconds, attoseconds) = pause.components
        return UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }
}
