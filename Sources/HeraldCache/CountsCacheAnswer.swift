import HeraldCore
import Memcached

/// What a batched counts-cache job answers to one ``CountsCacheWork``.
enum CountsCacheAnswer: Sendable {
    /// The cached counts of a proven lineage.
    case hit(Counts)
    /// Nothing usable was cached; a fresh epoch was set, so the reader may load the store and fill it.
    case miss(epoch: String)
    /// A peek found nothing usable cached and changed nothing.
    case absent
    /// The deltas were applied (or their lineages invalidated).
    case applied
    /// memcached failed; the whole job is void.
    case failed(MemcachedError)
}
