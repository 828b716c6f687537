import HeraldCore

/// A user's cached counts as one 64-bit memcached counter, so that an apply is one atomic `incr`
/// (one round trip, not three) whose answer is the whole new state, and a fill is one `add`.
///
/// Bits, lowest first: unseen (17), a zero guard bit, unread (17), a zero guard bit, seq (27), and
/// the placeholder bit, clear in every valid value.
/// A signed change of all three is one wrapping addition (memcached's `incr` is modulo 2^64). A
/// field that leaves its range sets the guard bit above it (for unread, seq is the guard), so the
/// answer proves the apply:
///
/// - the lineage held exactly the state before the delta iff the answer's seq is the delta's
///   `seqAfter` and both guard bits are clear — given the delta's changes stay within a field's
///   range (``offset(of:)`` refuses larger ones), a field's sum is off its range by less than the
///   range, which the bit above it catches, and a carry or borrow that reaches seq changes it;
/// - a fill never stores a state that does not fit (``value(of:)`` refuses it), so every lineage
///   holds a true state of its user;
/// - a counter that an apply's quiet `incr` found missing is created holding ``placeholder`` (see
///   ``CountsCacheJob``), and the placeholder plus one delta's offset is never valid: an offset with
///   a seq increase is positive and below 2^63 - 2^35, so bit 63 stays set; one without is smaller
///   than 2^35 either way, so it keeps bit 63 or borrows through bits 35 to 62, setting unread's
///   guard bit.
///
/// Users beyond the ranges (131,071 unread or unseen, seq 134,217,727) are not cached: their reads
/// go to the store, which keeps exact counters of any size.
enum PackedCounts {
    static let unseenShift: UInt64 = 0
    static let unreadShift: UInt64 = 18
    static let seqShift: UInt64 = 36
    /// Largest unread or unseen count that fits.
    static let countLimit: Int64 = (1 << 17) - 1
    /// Largest seq that fits.
    static let seqLimit: Int64 = (1 << 27) - 1
    /// What a counter created by an `incr` holds: no valid value, and no valid value after one offset.
    static let placeholder: UInt64 = 1 << 63
    /// The two guard bits and the placeholder bit, clear in every valid value.
    static let guardBits: UInt64 = (1 << 17) | (1 << 35) | placeholder

    /// The counter value holding `counts`; nil when a count does not fit.
    static func value(of counts: Counts) -> UInt64? {
        guard (0...countLimit).contains(counts.unread), (0...countLimit).contains(counts.unseen),
            (0...seqLimit).contains(counts.seq)
        else { return nil }
        return UInt64(counts.seq) << seqShift | UInt64(counts.unread) << unreadShift
            | UInt64(counts.unseen) << unseenShift
    }

    /// The counts a counter value holds; nil when it is not a valid value.
    static func counts(user: String, value: UInt64) -> Counts? {
        guard value & guardBits == 0 else { return nil }
        let field = UInt64(countLimit)
        return Counts(
            user: user, unread: Int64((value >> unreadShift) & field), unseen: Int64((value >> unseenShift) & field),
            seq: Int64(value >> seqShift))
    }

    /// The `incr` offset that applies `delta` (a wrapping addition); nil when a change is too large
    /// to be proven by the answer, or the seq after it does not fit.
    static func offset(of delta: CountsDelta) -> UInt64? {
        guard abs(delta.unread) <= countLimit, abs(delta.unseen) <= countLimit,
            (0...seqLimit).contains(delta.events), (0...seqLimit).contains(delta.seqAfter)
        else { return nil }
        let sum = delta.events &<< Int64(seqShift) &+ delta.unread &<< Int64(unreadShift) &+ delta.unseen
        return UInt64(bitPattern: sum)
    }

    /// True when `answer`, the counter after `incr` by ``offset(of:)``, proves that the lineage held
    /// exactly the state before `delta` (and so now holds the state after it).
    static func proves(_ answer: UInt64, applied delta: CountsDelta) -> Bool {
        answer & guardBits == 0 && Int64(answer >> seqShift) == delta.seqAfter
    }
}
