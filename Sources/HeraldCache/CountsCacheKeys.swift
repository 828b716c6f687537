/// The memcached key schema of the counts cache (documented in the README):
///
/// - `{prefix}:{generation}:{user}:e` — the user's current epoch (random hex)
/// - `{prefix}:{generation}:{user}:{epoch}:u` — unread count
/// - `{prefix}:{generation}:{user}:{epoch}:s` — unseen count
/// - `{prefix}:{generation}:{user}:{epoch}:q` — seq, the validator
struct CountsCacheKeys {
    let prefix: String
    let generation: Int64
    let user: String

    var epoch: String { "\(prefix):\(generation):\(user):e" }
    func unread(_ epoch: String) -> String { "\(prefix):\(generation):\(user):\(epoch):u" }
    func unseen(_ epoch: String) -> String { "\(prefix):\(generation):\(user):\(epoch):s" }
    func seq(_ epoch: String) -> String { "\(prefix):\(generation):\(user):\(epoch):q" }
}
