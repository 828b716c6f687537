import HeraldCore
import Memcached

/// The counts-cache work of many concurrent requests, done with one connection on one worker
/// thread: one multi-get for every epoch involved, the applies, then one multi-get for the counters
/// of every read. See ``MemcachedCountsCache`` for why each step is safe.
struct CountsCacheJob {
    let ttl: MemcachedExpiration
    let known: KnownEpochs

    /// Answers, one per work item, and how many lineages an apply had to invalidate.
    struct Outcome: Sendable {
        var answers: [CountsCacheAnswer]
        var conflicts: Int
    }

    func run(_ work: [CountsCacheWork], in session: MemcachedSession) throws(MemcachedError) -> Outcome {
        var keysByUser: [String: CountsCacheKeys] = [:]
        var deltas: [CountsDelta] = []
        for item in work {
            switch item {
            case .read(let keys), .peek(let keys):
                keysByUser[keys.user] = keys
            case .apply(let pairs):
                for pair in pairs {
                    keysByUser[pair.keys.user] = pair.keys
                    deltas.append(pair.delta)
                }
            }
        }
        // Every epoch key is read after the commits of all deltas in this job.
        let guesses = deltas.isEmpty ? known.epochs(for: keysByUser.values.lazy.map(\.epoch)) : [:]
        var firstKeys: [String] = []
        firstKeys.reserveCapacity(keysByUser.count + 3 * guesses.count)
        for keys in keysByUser.values {
            firstKeys.append(keys.epoch)
            if let guess = guesses[keys.epoch] {
                firstKeys += [keys.unread(guess), keys.unseen(guess), keys.seq(guess)]
            }
        }
        let firstItems = try session.getMultiple(firstKeys)
        var epochs: [String: String] = [:]
        var seen: [String: String?] = [:]
        var guessedRight: Set<String> = []
        for (user, keys) in keysByUser {
            let epoch = firstItems[keys.epoch]?.string
            seen[keys.epoch] = epoch
            guard let epoch else { continue }
            epochs[user] = epoch
            if guesses[keys.epoch] == epoch { guessedRight.insert(user) }
        }

        var conflicts = 0
        for delta in CountsDelta.coalesced(deltas) {
            guard let keys = keysByUser[delta.user], let epoch = epochs[delta.user] else { continue }
            if try !session.apply(delta, keys, epoch: epoch) {
                try session.delete(keys.epoch)
                epochs[delta.user] = nil
                seen[keys.epoch] = .some(nil)
                conflicts += 1
            }
        }

        var counterKeys: [String] = []
        for case let keys? in work.lazy.map(\.readKeys) where !guessedRight.contains(keys.user) {
            if let epoch = epochs[keys.user] {
                counterKeys += [keys.unread(epoch), keys.unseen(epoch), keys.seq(epoch)]
            }
        }
        var counters = firstItems
        if !counterKeys.isEmpty { counters.merge(try session.getMultiple(counterKeys)) { _, second in second } }
        var freshEpochs: [String: String] = [:]
        var answers: [CountsCacheAnswer] = []
        answers.reserveCapacity(work.count)
        for item in work {
            guard let keys = item.readKeys else {
                answers.append(.applied)
                continue
            }
            if let epoch = epochs[keys.user], let unread = counters[keys.unread(epoch)]?.counter,
                let unseen = counters[keys.unseen(epoch)]?.counter, let seq = counters[keys.seq(epoch)]?.counter
            {
                answers.append(
                    .hit(Counts(user: keys.user, unread: Int64(unread), unseen: Int64(unseen), seq: Int64(seq))))
            } else if case .peek = item {
                answers.append(.absent)
            } else if let epoch = freshEpochs[keys.user] {
                answers.append(.miss(epoch: epoch))
            } else {
                let epoch = String(UInt64.random(in: 1...UInt64.max), radix: 16)
                try session.set(keys.epoch, value: Array(epoch.utf8), expiration: ttl)
                freshEpochs[keys.user] = epoch
                seen[keys.epoch] = epoch
                answers.append(.miss(epoch: epoch))
            }
        }
        known.update(seen)
        return Outcome(answers: answers, conflicts: conflicts)
    }
}

extension MemcachedSession {
    /// Applies one committed delta to the lineage `epoch` under the seq validator; false when the
    /// lineage does not hold exactly the state before the delta (the caller invalidates it).
    fileprivate func apply(_ delta: CountsDelta, _ keys: CountsCacheKeys, epoch: String) throws(MemcachedError) -> Bool
    {
        let seq: UInt64?
        do {
            seq = try increment(keys.seq(epoch), by: UInt32(clamping: delta.events))
        } catch  where error.code == .nonNumericValue {
            seq = nil
        }
        guard let seq, seq == UInt64(delta.seqAfter), try adjust(keys.unread(epoch), by: delta.unread) else {
            return false
        }
        return try adjust(keys.unseen(epoch), by: delta.unseen)
    }

    /// A signed change; false when the key is gone or not a number (the lineage is broken).
    private func adjust(_ key: String, by change: Int64) throws(MemcachedError) -> Bool {
        guard change != 0 else { return true }
        do {
            return change > 0
                ? try increment(key, by: UInt32(clamping: change)) != nil
                : try decrement(key, by: UInt32(clamping: -change)) != nil
        } catch  where error.code == .nonNumericValue {
            return false
        }
    }
}
