/// When an open stream's `: ping` comments are due, for a hub that looks at every stream once per
/// tick.
///
/// - No gap between two pings exceeds the interval (API.md: "at least every 15 s"). A ping goes out
///   at the last tick before it is due, and the next one is due an interval after it went out.
/// - A stream's first ping is due at a random point of its first interval, not a whole interval
///   after it opened. Streams that open together (every browser reconnecting after a restart)
///   would otherwise ping in the same tick every interval. Each ping is a socket write on the
///   stream's event loop, and 10,000 of them in one tick held that loop (and every publish waiting
///   on it) for tens of milliseconds. Spread over the interval, a tick holds about
///   tick / interval of them.
struct HeartbeatSchedule: Sendable {
    /// The most time between two pings (ms).
    let intervalMilliseconds: Int64
    /// The time between two looks of the hub's ticker (ms).
    let tickMilliseconds: Int64

    /// The first ping's due time for a stream opened at `openedAt` (ms), `offset` into its first
    /// interval.
    /// - Parameter offset: in `1...intervalMilliseconds`; clamped to it.
    func firstDue(openedAt: Int64, offset: Int64) -> Int64 {
        openedAt + min(max(offset, 1), intervalMilliseconds)
    }

    /// The first ping's due time, at a random point of the first interval.
    func firstDue(openedAt: Int64) -> Int64 {
        firstDue(openedAt: openedAt, offset: Int64.random(in: 1...max(1, intervalMilliseconds)))
    }

    /// Whether a tick at `now` sends the ping due at `due`: the next tick would be late.
    func isDue(_ due: Int64, now: Int64) -> Bool {
        now + tickMilliseconds >= due
    }

    /// The next ping's due time after one went out at `now`.
    func nextDue(sentAt now: Int64) -> Int64 {
        now + intervalMilliseconds
    }
}
