/// When the maintenance loop purges swept notification rows: only while some may be left.
///
/// Each purge is a write transaction. Run every time round the loop, it made an idle server commit
/// one a second that found nothing. Rows are swept only by sweeps, so the schedule remembers the
/// latest sweep that removed any (at the start, the start itself, for rows swept before it) and
/// counts them purged once a purge's cutoff has reached that time: the purge deletes every row
/// swept at or before its cutoff. With a retention, purges go on every round until the cutoff,
/// `retention` behind the clock, passes the latest sweep, as before.
public struct PurgeSchedule: Sendable {
    /// How long swept rows are kept.
    public let retentionSeconds: Int64
    /// The latest time rows may have been swept that no purge has deleted yet; nil when none may be
    /// left.
    private var latestUnpurgedSweep: Timestamp?

    /// A schedule for a loop starting at `start`, when rows swept earlier may be left.
    public init(retentionSeconds: Int64, start: Timestamp) {
        self.retentionSeconds = retentionSeconds
        latestUnpurgedSweep = start
    }

    /// Whether the next round should purge.
    public var isDue: Bool { latestUnpurgedSweep != nil }

    /// The cutoff of a purge at `now`: rows swept at or before it are deleted.
    public func cutoff(now: Timestamp) -> Timestamp { now.adding(seconds: -retentionSeconds) }

    /// Notes a sweep that removed `removed` notifications and returned at `time` (no earlier than
    /// the time it marked them swept).
    public mutating func swept(removed: Int, returnedAt time: Timestamp) {
        if removed > 0 { mayHaveSwept(until: time) }
    }

    /// Notes a round that failed at `time`: a sweep may have committed before the failure, so rows
    /// are taken as swept until then.
    public mutating func roundFailed(at time: Timestamp) {
        mayHaveSwept(until: time)
    }

    /// Notes a purge with `cutoff` that committed.
    public mutating func purged(cutoff: Timestamp) {
        if let latest = latestUnpurgedSweep, latest <= cutoff { latestUnpurgedSweep = nil }
    }

    private mutating func mayHaveSwept(until time: Timestamp) {
        latestUnpurgedSweep = max(latestUnpurgedSweep ?? time, time)
    }
}
