/// What opening the store did after a run that may have lost answered commits: the last run used
/// `--sync normal`, did not stop cleanly, and the machine has started again since (an OS crash or
/// a power loss, which can roll back its last unsynced commits).
public struct PowerLossRecovery: Sendable, Equatable {
    /// Users whose seq moved past what may have been lost, each with a `reset` event.
    public let usersMoved: Int
    /// How far each seq moved: the most events of a user the last run could have answered without
    /// their reaching the disk (see ``UnsyncedChanges``).
    public let margin: Int64
    /// How long the move took (ms).
    public let milliseconds: Int64
}
