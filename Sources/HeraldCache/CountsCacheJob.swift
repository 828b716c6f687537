import HeraldCore
import Memcached

/// The counts-cache work of many concurrent requests, done with one connection on one worker
/// thread: one multi-get for every epoch involved, the applies, then one multi-get for the counters
/// of every read. See ``MemcachedCountsCache`` for why each step is safe.
struct CountsCacheJob {
    let ttl: MemcachedExpiration
    let known: KnownEpochs
    /// Marked before an epoch is set (see ``LineageFilter``).
    let lineages: LineageFilter

    /// Answers, one per work item, and how many lineages an apply had to invalidate.
    struct Outcome: Sendable {
        var answers: [CountsCacheAnswer]
        var conflicts: Int
    }

    /// One user's part of a job: its keys, the epoch read, and the counter keys to answer from.
    private struct UserSlot {
        var keys: CountsCacheKeys
        var read = false
        var guess: CounterKeys?
        var epoch: String?
        var counters: CounterKeys?
        /// The counter read under `counters`.
        var value: UInt64?
    }

    func run(_ work: [CountsCacheWork], in session: MemcachedSession) throws(MemcachedError) -> Outcome {
        var slotOfUser: [String: Int] = [:]
        var slots: [UserSlot] = []
        var deltas: [CountsDelta] = []
        func note(_ keys: CountsCacheKeys, read: Bool) {
            if let index = slotOfUser[keys.user] {
                slots[index].keys = keys
                slots[index].read = slots[index].read || read
            } else {
                slotOfUser[keys.user] = slots.count
                slots.append(UserSlot(keys: keys, read: read))
            }
        }
        for item in work {
            switch item {
            case .read(let keys), .peek(let keys):
                note(keys, read: true)
            case .apply(let pairs):
                for pair in pairs {
                    note(pair.keys, read: false)
                    deltas.append(pair.delta)
                }
            }
        }
        // Every epoch key is read after the commits of all deltas in this job.
        if deltas.isEmpty {
            let guesses = known.epochs(for: slots.map(\.keys.epoch))
            for index in slots.indices {
                slots[index].guess = guesses[index].map { slots[index].keys.counters($0) }
            }
        }
        var firstKeys: [String] = []
        firstKeys.reserveCapacity(2 * slots.count)
        // The slot of each key, and whether it is the slot's epoch key (else its guessed counter).
        var firstOwners: [(slot: Int, isEpoch: Bool)] = []
        firstOwners.reserveCapacity(2 * slots.count)
        for index in slots.indices {
            firstKeys.append(slots[index].keys.epoch)
            firstOwners.append((index, true))
            if let guess = slots[index].guess {
                firstKeys.append(guess.counts)
                firstOwners.append((index, false))
            }
        }
        try session.getMultiple(firstKeys) { position, value in
            let (index, isEpoch) = firstOwners[position]
            if !isEpoch {
                slots[index].value = MemcachedItem.counter(in: value)
            } else if let guess = slots[index].guess, value.elementsEqual(guess.epoch.utf8) {
                slots[index].epoch = guess.epoch
            } else {
                slots[index].epoch = String(validating: value, as: UTF8.self)
            }
        }
        var seen: [String: String?] = [:]
        for index in slots.indices {
            if let guess = slots[index].guess, guess.epoch == slots[index].epoch {
                slots[index].counters = guess  // remembered already
            } else {
                slots[index].value = nil  // a guessed counter of an epoch that is not the user's
                seen[slots[index].keys.epoch] = slots[index].epoch
            }
        }

        var conflicts = 0
        for delta in CountsDelta.coalesced(deltas) {
            guard let index = slotOfUser[delta.user], let epoch = slots[index].epoch else { continue }
            let keys = slots[index].keys
            if try !session.apply(delta, to: keys.counters(epoch)) {
                try session.delete(keys.epoch)
                slots[index].epoch = nil
                seen[keys.epoch] = .some(nil)
                conflicts += 1
            }
        }

        var counterKeys: [String] = []
        var counterOwners: [Int] = []
        for index in slots.indices where slots[index].read && slots[index].counters == nil {
            if let epoch = slots[index].epoch {
                let keys = slots[index].keys.counters(epoch)
                slots[index].counters = keys
                counterKeys.append(keys.counts)
                counterOwners.append(index)
            }
        }
        if !counterKeys.isEmpty {
            try session.getMultiple(counterKeys) { position, value in
                slots[counterOwners[position]].value = MemcachedItem.counter(in: value)
            }
        }
        var freshEpochs: [String: String] = [:]
        var answers: [CountsCacheAnswer] = []
        answers.reserveCapacity(work.count)
        for item in work {
            guard let keys = item.readKeys else {
                answers.append(.applied)
                continue
            }
            let slot = slots[slotOfUser[keys.user]!]
            if slot.epoch != nil, slot.counters != nil, let value = slot.value,
                let counts = PackedCounts.counts(user: keys.user, value: value)
            {
                answers.append(.hit(counts))
            } else if case .peek = item {
                answers.append(.absent)
            } else if let epoch = freshEpochs[keys.user] {
                answers.append(.miss(epoch: epoch))
            } else {
                let epoch = String(UInt64.random(in: 1...UInt64.max), radix: 16)
                lineages.mark(keys.user, generation: keys.generation)
                try session.set(keys.epoch, value: Array(epoch.utf8), expiration: ttl)
                freshEpochs[keys.user] = epoch
                seen[keys.epoch] = epoch
                answers.append(.miss(epoch: epoch))
            }
        }
        if !seen.isEmpty { known.update(seen) }
        return Outcome(answers: answers, conflicts: conflicts)
    }
}

extension MemcachedSession {
    /// Applies one committed delta to the lineage whose counter is `counters` with one `incr`; false
    /// when the answer does not prove that the lineage held exactly the state before the delta
    /// (missing, not a number, another state, a change too large: the caller invalidates it).
    fileprivate func apply(_ delta: CountsDelta, to counters: CounterKeys) throws(MemcachedError) -> Bool {
        guard let offset = PackedCounts.offset(of: delta) else { return false }
        do {
            guard let answer = try increment(counters.counts, wrappingBy: offset) else { return false }
            return PackedCounts.proves(answer, applied: delta)
        } catch  where error.code == .nonNumericValue {
            return false
        }
    }
}
