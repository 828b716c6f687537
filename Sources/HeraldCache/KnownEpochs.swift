import Synchronization

/// The epoch each user's counts were last seen under, by epoch key, so that a job can `incr` the
/// counter under the remembered epoch and read the epoch and that counter back in one round trip
/// (see ``CountsCacheJob``). Only a guess: an `incr` or a counter read counts only if the epoch
/// read back is the one guessed. At most `capacity` users; when full it starts over.
final class KnownEpochs: Sendable {
    private let epochs = Mutex<[String: String]>([:])
    private let capacity: Int

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// The remembered epoch of each epoch key, in their order (nil where none is).
    func epochs(for epochKeys: [String]) -> [String?] {
        epochs.withLock { epochs in epochKeys.map { epochs[$0] } }
    }

    /// Remembers what a job saw: an epoch per epoch key, or nil where the key held none.
    func update(_ seen: [String: String?]) {
        epochs.withLock { epochs in
            if epochs.count + seen.count > capacity { epochs.removeAll(keepingCapacity: true) }
            for (key, epoch) in seen { epochs[key] = epoch }
        }
    }
}
