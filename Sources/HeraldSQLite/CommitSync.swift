/// When a commit reaches the disk, SQLite's `synchronous` setting in WAL mode (`herald serve --sync`).
public enum CommitSync: String, Sendable, CaseIterable {
    /// The WAL is synced at checkpoints and after every ``UnsyncedChanges/budget`` rows changed:
    /// a commit survives a crash of the process, but an OS crash or power loss can roll back the
    /// last moments of commits (the database stays intact; the next start moves every user's seq
    /// past them, see ``SessionMarker``).
    case normal
    /// The WAL is synced at every commit, before any request of it is answered: a commit survives
    /// power loss too. Group commit shares each sync among the writes committed together.
    case full

    /// The `PRAGMA synchronous` value.
    var pragmaValue: String {
        switch self {
        case .normal: "NORMAL"
        case .full: "FULL"
        }
    }
}
