import HeraldCore
import Testing

@testable import HeraldCache

/// The packing of a user's counts into one memcached counter, and the proof an `incr` answer gives.
struct PackedCountsTests {
    /// What memcached does to the counter: adds the offset modulo 2^64.
    private func applied(_ delta: CountsDelta, to counts: Counts) throws -> UInt64 {
        try #require(PackedCounts.value(of: counts)) &+ (try #require(PackedCounts.offset(of: delta)))
    }

    private func delta(unread: Int64, unseen: Int64, events: Int64 = 1, seqAfter: Int64) -> CountsDelta {
        CountsDelta(user: "u", unread: unread, unseen: unseen, events: events, seqAfter: seqAfter)
    }

    @Test func countsRoundTripUpToTheLimitsAndNoFurther() throws {
        let limit = PackedCounts.countLimit
        for counts in [
            Counts(user: "u", unread: 0, unseen: 0, seq: 0), Counts(user: "u", unread: 7, unseen: 8, seq: 9),
            Counts(user: "u", unread: limit, unseen: limit, seq: PackedCounts.seqLimit),
        ] {
            let value = try #require(PackedCounts.value(of: counts))
            #expect(PackedCounts.counts(user: "u", value: value) == counts)
        }
        #expect(PackedCounts.value(of: Counts(user: "u", unread: 7, unseen: 8, seq: 9)) == 9 << 36 | 7 << 18 | 8)
        for counts in [
            Counts(user: "u", unread: limit + 1, unseen: 0, seq: 1),
            Counts(user: "u", unread: 0, unseen: limit + 1, seq: 1),
            Counts(user: "u", unread: 0, unseen: 0, seq: PackedCounts.seqLimit + 1),
            Counts(user: "u", unread: -1, unseen: 0, seq: 1),
        ] {
            #expect(PackedCounts.value(of: counts) == nil)
        }
        #expect(PackedCounts.counts(user: "u", value: 1 << 17) == nil)  // a guard bit set
        #expect(PackedCounts.counts(user: "u", value: 1 << 35) == nil)
    }

    /// Raising some counts and lowering others in one addition gives the state after the change.
    @Test func anExactLineageEndsExactlyAtTheStateAfter() throws {
        let before = Counts(user: "u", unread: 5, unseen: 3, seq: 40)
        for change in [
            delta(unread: 1, unseen: 1, seqAfter: 41), delta(unread: -5, unseen: 0, seqAfter: 41),
            delta(unread: -5, unseen: -3, events: 2, seqAfter: 42), delta(unread: 0, unseen: 0, seqAfter: 41),
            delta(unread: PackedCounts.countLimit - 5, unseen: -3, events: 7, seqAfter: 47),
        ] {
            let answer = try applied(change, to: before)
            #expect(PackedCounts.proves(answer, applied: change))
            #expect(
                PackedCounts.counts(user: "u", value: answer)
                    == Counts(
                        user: "u", unread: before.unread + change.unread, unseen: before.unseen + change.unseen,
                        seq: change.seqAfter))
        }
    }

    /// A lineage at another seq, or a count leaving its range, is never taken for the state after.
    @Test func anythingElseIsNotProven() throws {
        let before = Counts(user: "u", unread: 5, unseen: 3, seq: 40)
        let ahead = delta(unread: 1, unseen: 1, seqAfter: 40)  // the lineage already had this change
        #expect(!PackedCounts.proves(try applied(ahead, to: before), applied: ahead))
        let behind = delta(unread: 1, unseen: 1, seqAfter: 42)  // a change in between is missing
        #expect(!PackedCounts.proves(try applied(behind, to: before), applied: behind))
        let full = Counts(user: "u", unread: PackedCounts.countLimit, unseen: PackedCounts.countLimit, seq: 40)
        for change in [
            delta(unread: 0, unseen: 1, seqAfter: 41), delta(unread: 1, unseen: 0, seqAfter: 41),
            delta(unread: 1, unseen: 1, seqAfter: 41),
        ] {
            #expect(!PackedCounts.proves(try applied(change, to: full), applied: change))
        }
        let empty = Counts(user: "u", unread: 0, unseen: 0, seq: 40)
        for change in [delta(unread: 0, unseen: -1, seqAfter: 41), delta(unread: -1, unseen: 0, seqAfter: 41)] {
            #expect(!PackedCounts.proves(try applied(change, to: empty), applied: change))
        }
    }

    /// A counter an apply created holds the placeholder; neither it nor it plus any one change that
    /// can be applied reads as counts or proves the change.
    @Test func thePlaceholderPlusAnyOneChangeIsNeverValid() throws {
        let limit = PackedCounts.countLimit
        #expect(PackedCounts.counts(user: "u", value: PackedCounts.placeholder) == nil)
        var changes: [CountsDelta] = []
        for unread in [-limit, -1, 0, 1, limit] {
            for unseen in [-limit, -1, 0, 1, limit] {
                for events: Int64 in [0, 1, 2, PackedCounts.seqLimit] {
                    for seqAfter in [events, PackedCounts.seqLimit] {
                        changes.append(delta(unread: unread, unseen: unseen, events: events, seqAfter: seqAfter))
                    }
                }
            }
        }
        for change in changes {
            let answer = PackedCounts.placeholder &+ (try #require(PackedCounts.offset(of: change)))
            #expect(PackedCounts.counts(user: "u", value: answer) == nil, "\(change)")
            #expect(!PackedCounts.proves(answer, applied: change), "\(change)")
        }
    }

    /// Changes larger than a field's range could pass its guard bit unseen, so they are never applied.
    @Test func changesTooLargeToProveAreRefused() {
        let limit = PackedCounts.countLimit
        #expect(PackedCounts.offset(of: delta(unread: limit + 1, unseen: 0, seqAfter: 5)) == nil)
        #expect(PackedCounts.offset(of: delta(unread: 0, unseen: -limit - 1, seqAfter: 5)) == nil)
        #expect(PackedCounts.offset(of: delta(unread: 0, unseen: 0, seqAfter: PackedCounts.seqLimit + 1)) == nil)
        #expect(PackedCounts.offset(of: delta(unread: limit, unseen: -limit, seqAfter: 5)) != nil)
    }
}
