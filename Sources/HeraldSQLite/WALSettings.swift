/// How the store keeps its WAL short (``WALCheckpointer``). The defaults are the server's; tests
/// shrink them.
struct WALSettings: Sendable {
    /// At this many WAL frames the checkpointer brings about a restart of the WAL itself.
    var restartFrames = 8_000
    /// The writer's own automatic checkpoint threshold (pages): a fallback, armed only while the
    /// checkpointer is not running its rounds (``stallLimit``).
    var fallbackPages = 10_000
    /// How long the checkpointer may go without ending a round before the writer arms its fallback.
    var stallLimit: Duration = .seconds(1)
    /// A WAL file larger than this (bytes) is truncated once writes pause: SQLite writes a
    /// restarted WAL from its start again without shrinking the file, so a WAL that a long read
    /// let grow (a backup's copy under heavy writes: 540-820 MB) kept its size until the server
    /// stopped. Four times what the checkpointer's restarts let it reach under steady writes.
    var idleTruncateBytes: Int64 = 128 * 1024 * 1024
}
