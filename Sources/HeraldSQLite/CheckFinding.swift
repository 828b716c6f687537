/// One way a user's stored state disagrees with the rows it summarises, as ``DatabaseCheck``
/// finds it.
public struct CheckFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The counters row's unread or unseen count is not what the user's notification rows
        /// make (no counters row counts as zero).
        case counts
        /// A notification at or below the user's seen mark is neither seen nor swept, so a seen
        /// would skip it.
        case seenMark = "seen_mark"
        /// The event the counters row names as the user's newest does not carry the counters
        /// row's seq.
        case newestEvent = "newest_event"
    }

    /// The user whose state disagrees.
    public let user: String
    public let kind: Kind
    /// What disagrees, for the operator.
    public let detail: String

    public var description: String { "\(user): \(kind.rawValue): \(detail)" }
}
