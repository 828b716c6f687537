extension CountsDelta {
    /// The same changes with every run of one user's consecutive deltas (each starting at the seq
    /// where the previous ended) joined into one, so a cache applies a run under one validator step.
    ///
    /// Each user's deltas come out in seq order; users keep the order of their first delta. Empty
    /// deltas are dropped.
    public static func coalesced(_ deltas: [CountsDelta]) -> [CountsDelta] {
        // A transaction's job usually holds one delta per user (a fan-out's creates): nothing to
        // join, so no dictionary to build.
        if deltas.count <= 8, usersDiffer(deltas) { return deltas.filter { !$0.isEmpty } }
        var order: [String] = []
        var byUser: [String: [CountsDelta]] = [:]
        for delta in deltas where !delta.isEmpty {
            if byUser[delta.user] == nil { order.append(delta.user) }
            byUser[delta.user, default: []].append(delta)
        }
        var result: [CountsDelta] = []
        result.reserveCapacity(deltas.count)
        for user in order {
            var runs: [CountsDelta] = []
            for delta in byUser[user, default: []].sorted(by: { $0.seqAfter < $1.seqAfter }) {
                if let last = runs.last, last.seqAfter == delta.seqAfter - delta.events {
                    runs[runs.count - 1] = CountsDelta(
                        user: user, unread: last.unread + delta.unread, unseen: last.unseen + delta.unseen,
                        events: last.events + delta.events, seqAfter: delta.seqAfter)
                } else {
                    runs.append(delta)
                }
            }
            result += runs
        }
        return result
    }

    /// Whether no two of a few deltas are for the same user (compared pairwise).
    private static func usersDiffer(_ deltas: [CountsDelta]) -> Bool {
        for index in deltas.indices.dropLast() {
            for other in deltas[(index + 1)...] where other.user == deltas[index].user { return false }
        }
        return true
    }
}
