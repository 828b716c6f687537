/// The memcached keys of one user's counts (schema in the README):
///
/// - `{prefix}:{space}:{user}:e` — the user's current counts epoch (random hex)
/// - `{prefix}:{space}:{user}:{epoch}:c` — unread, unseen and seq in one counter (``PackedCounts``)
struct CountsCacheKeys {
    let base: String
    /// The generation whose key space `base` holds.
    let generation: Int64
    let user: String
    /// The epoch key, built once: a job looks it up several times.
    let epoch: String

    init(base: String, generation: Int64, user: String) {
        self.base = base
        self.generation = generation
        self.user = user
        epoch = "\(base):\(user):e"
    }

    /// The counter key under `epoch`, the one place its name is made.
    func counters(_ epoch: String) -> CounterKeys {
        CounterKeys(epoch: epoch, counts: "\(base):\(user):\(epoch):c")
    }
}
