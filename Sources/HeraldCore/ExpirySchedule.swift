import Synchronization

/// When the maintenance loop must sweep for expired notifications: once the earliest expiry that
/// may still be unswept has come.
///
/// Each sweep is a write transaction. Run every second, it made an idle server commit one a second
/// that found nothing. Only creates make unswept notifications, so the earliest expiry is known:
/// each sweep reports the earliest left after it (``ExpirySweep/nextExpiry``), and each committed
/// create lowers it to its own. A sweep first forgets what it knew, then its transaction reads
/// what is left, so a create noted at any moment is never lost: one noted before the forgetting
/// committed before the sweep's transaction began, which reads it among those left; one noted
/// after is kept. Until the first sweep, and after a failed one, a sweep is due at once.
public final class ExpirySchedule: Sendable {
    /// Milliseconds since 1970 of the earliest expiry that may be unswept: `Int64.min` when a sweep
    /// is due whatever the time, `Int64.max` when none is known.
    private let earliest = Atomic<Int64>(.min)

    /// A schedule with a sweep due at once.
    public init() {}

    /// Whether a sweep at `now` may find something to expire.
    public func isDue(now: Timestamp) -> Bool {
        earliest.load(ordering: .acquiring) <= now.milliseconds
    }

    /// Notes a committed notification that expires at `expiresAt`.
    public func created(expiringAt expiresAt: Timestamp) {
        var current = earliest.load(ordering: .relaxed)
        while expiresAt.milliseconds < current {
            let (exchanged, original) = earliest.compareExchange(
                expected: current, desired: expiresAt.milliseconds, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    /// Notes a sweep about to start: what was known is forgotten, as the sweep reads what is left.
    public func sweepStarting() {
        earliest.store(.max, ordering: .releasing)
    }

    /// Notes a sweep that committed, leaving unswept notifications whose earliest expiry is
    /// `nextExpiry` (nil: none).
    public func swept(nextExpiry: Timestamp?) {
        if let nextExpiry { created(expiringAt: nextExpiry) }
    }

    /// Notes a sweep that failed: whether it committed is unknown, so the next round sweeps.
    public func sweepFailed() {
        earliest.store(.min, ordering: .releasing)
    }
}
