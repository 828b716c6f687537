import HeraldCore
import Memcached

/// The counts-cache work of many concurrent requests, done with one connection on one worker
/// thread. See ``MemcachedCountsCache`` for why each step is safe. Usually one round trip in all:
///
/// 1. Only for users to apply to whose epoch ``KnownEpochs`` does not remember: one multi-get of
///    their epochs, read after all of the job's deltas committed.
/// 2. The `incr`s of the applies under those epochs, sent quietly (no answer awaited), then one
///    multi-get of every user's epoch key and of the counter under the epoch remembered or just
///    read. An `incr` counts only where the epoch read back is the one it used (epochs are never
///    reused, so that epoch was the user's current one throughout), and the counter read back,
///    its answer, proves the delta. A user with another epoch now gets its applies the
///    long way, each `incr` answered on its own; so does a user with several runs of deltas.
///    Should the server refuse an `incr` (its counter created meanwhile by a fill's `add`),
///    every user an `incr` went to is invalidated and the epochs are read again.
/// 3. For reads whose counter was not read under their epoch: one multi-get of those counters.
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

    /// One user's part of a job: its keys, the epochs remembered and read, and the counter read.
    private struct UserSlot {
        var keys: CountsCacheKeys
        var read = false
        /// How many runs of deltas the job applies to the user.
        var runs = 0
        /// The epoch ``KnownEpochs`` remembered.
        var remembered: String?
        /// The counter keys under the epoch remembered, or read in step 1; the `incr` goes there.
        var guess: CounterKeys?
        /// The user's epoch as read in step 2 (then as the applies and fills leave it).
        var epoch: String?
        /// Set once `value` is known to be the counter under `epoch`.
        var counters: CounterKeys?
        /// The counter read under `guess`, then under `counters`.
        var value: UInt64?
        /// Whether the `incr` went under `guess` in step 2.
        var incremented = false
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
        let runs = CountsDelta.coalesced(deltas)
        for run in runs { slots[slotOfUser[run.user]!].runs += 1 }
        let remembered = known.epochs(for: slots.map(\.keys.epoch))
        for index in slots.indices {
            slots[index].remembered = remembered[index]
            slots[index].guess = remembered[index].map { slots[index].keys.counters($0) }
        }
        try readUnknownEpochs(of: &slots, in: session)
        var conflicts = 0
        do throws(MemcachedError) {
            try incrementAndReadBack(runs, slotOfUser: slotOfUser, slots: &slots, in: session)
        } catch  where error.code == .quietIncrementFailed {
            conflicts += try invalidateIncremented(&slots, in: session)
            try incrementAndReadBack([], slotOfUser: slotOfUser, slots: &slots, in: session)
        }

        for run in runs {
            let index = slotOfUser[run.user]!
            guard let epoch = slots[index].epoch else { continue }  // no lineage, or invalidated already
            let keys = slots[index].keys
            let proven: Bool
            if slots[index].incremented, slots[index].counters != nil {
                proven = slots[index].value.map { PackedCounts.proves($0, applied: run) } ?? false
            } else {
                slots[index].counters = nil  // changed below: a read reads it again
                slots[index].value = nil
                proven = try session.apply(run, to: keys.counters(epoch))
            }
            if !proven {
                try session.delete(keys.epoch)
                slots[index].epoch = nil
                slots[index].counters = nil
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
        var answers: [CountsCacheAnswer] = []
        answers.reserveCapacity(work.count)
        var freshEpochs: [String: String] = [:]
        for item in work {
            guard let keys = item.readKeys else {
                answers.append(.applied)
                continue
            }
            let index = slotOfUser[keys.user]!
            let slot = slots[index]
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
                slots[index].epoch = epoch  // remembered; a later item's check above still fails
                answers.append(.miss(epoch: epoch))
            }
        }
        var seen: [String: String?] = [:]
        for slot in slots where slot.epoch != slot.remembered { seen[slot.keys.epoch] = slot.epoch }
        if !seen.isEmpty { known.update(seen) }
        return Outcome(answers: answers, conflicts: conflicts)
    }

    /// Step 1: the epochs of users to apply to that ``KnownEpochs`` did not remember.
    private func readUnknownEpochs(of slots: inout [UserSlot], in session: MemcachedSession) throws(MemcachedError) {
        let unknown = slots.indices.filter { slots[$0].runs > 0 && slots[$0].guess == nil }
        guard !unknown.isEmpty else { return }
        try session.getMultiple(unknown.map { slots[$0].keys.epoch }) { position, value in
            let index = unknown[position]
            if let epoch = String(validating: value, as: UTF8.self) {
                slots[index].guess = slots[index].keys.counters(epoch)
            }
        }
    }

    /// After a quiet `incr` the server refused (it lost the race to create its counter to a fill's
    /// `add`, or memory is full): whether each `incr` sent with it was applied is unknown, and the
    /// values read back were dropped. Deletes the epoch key of every user an `incr` was sent for
    /// (the next read fills afresh) and forgets what was read; returns how many lineages that was.
    private func invalidateIncremented(
        _ slots: inout [UserSlot], in session: MemcachedSession
    ) throws(MemcachedError)
        -> Int
    {
        var invalidated = 0
        for index in slots.indices {
            if slots[index].incremented {
                try session.delete(slots[index].keys.epoch)
                slots[index].guess = nil
                invalidated += 1
            }
            slots[index].incremented = false
            slots[index].epoch = nil
            slots[index].counters = nil
            slots[index].value = nil
        }
        return invalidated
    }

    /// Step 2: the quiet `incr`s of users with one run and an epoch to try (none when `runs` is
    /// empty), then every user's epoch and the counter under its guess, in one round trip.
    private func incrementAndReadBack(
        _ runs: [CountsDelta], slotOfUser: [String: Int], slots: inout [UserSlot], in session: MemcachedSession
    ) throws(MemcachedError) {
        var increments: [(key: String, offset: UInt64)] = []
        for run in runs {
            let index = slotOfUser[run.user]!
            guard slots[index].runs == 1, let guess = slots[index].guess, let offset = PackedCounts.offset(of: run)
            else { continue }
            increments.append((guess.counts, offset))
            slots[index].incremented = true
        }
        var keys: [String] = []
        keys.reserveCapacity(2 * slots.count)
        // The slot of each key, and whether it is the slot's epoch key (else its guessed counter).
        var owners: [(slot: Int, isEpoch: Bool)] = []
        owners.reserveCapacity(2 * slots.count)
        for index in slots.indices {
            keys.append(slots[index].keys.epoch)
            owners.append((index, true))
            if let guess = slots[index].guess {
                keys.append(guess.counts)
                owners.append((index, false))
            }
        }
        let found = { (position: Int, value: UnsafeRawBufferPointer) in
            let (index, isEpoch) = owners[position]
            if !isEpoch {
                slots[index].value = MemcachedItem.counter(in: value)
            } else if let guess = slots[index].guess, value.elementsEqual(guess.epoch.utf8) {
                slots[index].epoch = guess.epoch
            } else {
                slots[index].epoch = String(validating: value, as: UTF8.self)
            }
        }
        if increments.isEmpty {
            try session.getMultiple(keys, found: found)
        } else {
            try session.increment(
                quietly: increments, initial: PackedCounts.placeholder, expiration: ttl, thenGet: keys, found: found)
        }
        for index in slots.indices {
            if let guess = slots[index].guess, guess.epoch == slots[index].epoch {
                slots[index].counters = guess
            } else {
                slots[index].value = nil  // a counter of an epoch that is not the user's
            }
        }
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
