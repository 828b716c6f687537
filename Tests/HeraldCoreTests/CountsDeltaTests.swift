import HeraldCore
import Testing

@Suite struct CountsDeltaTests {
    func delta(_ user: String, unread: Int64, unseen: Int64, events: Int64 = 1, seqAfter: Int64) -> CountsDelta {
        CountsDelta(user: user, unread: unread, unseen: unseen, events: events, seqAfter: seqAfter)
    }

    @Test func consecutiveDeltasOfAUserJoinWhateverTheirOrder() {
        let joined = CountsDelta.coalesced([
            delta("u", unread: -1, unseen: 0, seqAfter: 3),
            delta("u", unread: 1, unseen: 1, seqAfter: 2),
            delta("u", unread: 1, unseen: 1, events: 2, seqAfter: 5),
        ])
        #expect(joined == [delta("u", unread: 1, unseen: 2, events: 4, seqAfter: 5)])
    }

    @Test func aGapInSeqKeepsRunsApartInOrder() {
        let runs = CountsDelta.coalesced([
            delta("u", unread: 1, unseen: 1, seqAfter: 7),
            delta("u", unread: 1, unseen: 1, seqAfter: 4),
            delta("u", unread: 1, unseen: 0, seqAfter: 3),
        ])
        #expect(
            runs == [
                delta("u", unread: 2, unseen: 1, events: 2, seqAfter: 4),
                delta("u", unread: 1, unseen: 1, seqAfter: 7),
            ])
    }

    @Test func usersStayApartInFirstSeenOrderAndEmptyDeltasDrop() {
        let result = CountsDelta.coalesced([
            delta("b", unread: 1, unseen: 1, seqAfter: 1),
            delta("a", unread: 0, unseen: 0, events: 0, seqAfter: 9),
            delta("a", unread: 1, unseen: 1, seqAfter: 1),
            delta("b", unread: 1, unseen: 1, seqAfter: 2),
        ])
        #expect(
            result == [
                delta("b", unread: 2, unseen: 2, events: 2, seqAfter: 2),
                delta("a", unread: 1, unseen: 1, seqAfter: 1),
            ])
    }

    @Test func deltasOfDistinctUsersPassThroughInOrderFewOrMany() {
        for count in [1, 2, 8, 9, 40] {
            let deltas = (0..<count).map {
                delta("u\(count - $0)", unread: 1, unseen: Int64($0 % 2), seqAfter: Int64($0 + 1))
            }
            let empty = delta("e", unread: 0, unseen: 0, events: 0, seqAfter: 4)
            #expect(CountsDelta.coalesced(deltas) == deltas, "\(count)")
            #expect(CountsDelta.coalesced([empty] + deltas) == deltas, "\(count)")
        }
    }
}
