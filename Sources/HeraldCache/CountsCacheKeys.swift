/// The memcached keys of one user's counts (schema in the README):
///
/// - `{prefix}:{generation}:{user}:e` — the user's current counts epoch (random hex)
/// - `{prefix}:{generation}:{user}:{epoch}:u` — unread count
/// - `{prefix}:{generation}:{user}:{epoch}:s` — unseen count
/// - `{prefix}:{generation}:{user}:{epoch}:q` — seq, the validator
struct CountsCacheKeys {
    let base: String
    let user: String
    /// The epoch key, built once: a job looks it up several times.
    let epoch: String

    init(base: String, user: String) {
        self.base = base
        self.user = user
        epoch = "\(base):\(user):e"
    }

    /// The three counter keys under `epoch`, the one place their names are made.
    func counters(_ epoch: String) -> CounterKeys {
        let prefix = "\(base):\(user):\(epoch):"
        return CounterKeys(epoch: epoch, unread: prefix + "u", unseen: prefix + "s", seq: prefix + "q")
    }
}
