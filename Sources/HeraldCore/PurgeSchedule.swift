/// When the maintenance loop purges swept notification rows: once a purge would delete some.
///
/// Each purge is a write transaction. Run every time round the loop, it made an idle server commit
/// one a second that found nothing; run while swept rows were kept for their retention, it did so
/// for the whole retention after every sweep. Rows are swept only by sweeps, so the schedule keeps
/// the times of the sweeps that removed any (at the start, the start itself, for rows swept before
/// it) and makes a purge due once its cutoff, `retention` behind the clock, reaches the earliest:
/// the purge deletes every row swept at or before its cutoff. The times are rounded up to a
/// thousandth of the retention, so that at most about a thousand are kept: a row may be kept that
/// much longer (86 s for a day).
public struct PurgeSchedule: Sendable {
    /// How long swept rows are kept.
    public let retentionSeconds: Int64
    /// Milliseconds each sweep time is rounded up to: a thousandth of the retention.
    private var granularityMilliseconds: Int64 { retentionSeconds }
    /// Times, ascending and rounded up, until which rows may have been swept that no purge has
    /// deleted yet.
    private(set) var pendingSweeps: [Timestamp]

    /// A schedule for a loop starting at `start`, when rows swept earlier may be left.
    public init(retentionSeconds: Int64, start: Timestamp) {
        self.retentionSeconds = retentionSeconds
        pendingSweeps = []
        mayHaveSwept(until: start)
    }

    /// Whether a purge at `now` would find rows to delete.
    public func isDue(now: Timestamp) -> Bool {
        guard let earliest = pendingSweeps.first else { return false }
        return earliest <= cutoff(now: now)
    }

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
        let purged = pendingSweeps.prefix { $0 <= cutoff }.count
        pendingSweeps.removeFirst(purged)
    }

    private mutating func mayHaveSwept(until time: Timestamp) {
        let granularity = granularityMilliseconds
        let rounded =
            granularity <= 1
            ? time : Timestamp(milliseconds: (time.milliseconds + granularity - 1) / granularity * granularity)
        // A later time than the last covers it; an earlier one (a clock that went back) is covered.
        if let last = pendingSweeps.last, rounded <= last { return }
        pendingSweeps.append(rounded)
    }
}
