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
}
