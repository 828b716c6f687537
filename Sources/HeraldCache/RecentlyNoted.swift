import Synchronization

/// What a cache last served, filled or changed (users' counts, notifications), for an audit to
/// sample: a ring of fixed size, so noting costs one lock and a few stores however busy the
/// server is.
final class RecentlyNoted<Element: Hashable & Sendable>: Sendable {
    private struct Ring {
        var elements: [Element?]
        var next = 0
    }

    private let ring: Mutex<Ring>
    /// How many elements of one call are noted: a transaction of many users' changes leaves room
    /// for those of the transactions before it.
    private let perCall: Int

    init(capacity: Int = 64, perCall: Int = 8) {
        precondition(capacity > 0 && perCall > 0)
        ring = Mutex(Ring(elements: Array(repeating: nil, count: capacity)))
        self.perCall = perCall
    }

    /// Notes up to `perCall` of `elements`, overwriting the oldest; skipped while another thread
    /// holds the ring (it never waits: it runs on the threads that answer reads, and a sample
    /// need not be complete).
    func note(_ elements: some Sequence<Element>) {
        _ = ring.withLockIfAvailable { ring in
            for element in elements.prefix(perCall) {
                ring.elements[ring.next] = element
                ring.next = (ring.next + 1) % ring.elements.count
            }
        }
    }

    /// Notes one element, as a sequence of one.
    func note(_ element: Element) {
        note(CollectionOfOne(element))
    }

    /// Every element noted since the last take, each once, newest first; empties the ring.
    func take() -> [Element] {
        let noted = ring.withLock { ring in
            defer {
                ring.elements = Array(repeating: nil, count: ring.elements.count)
                ring.next = 0
            }
            return Array(ring.elements[..<ring.next].reversed()) + Array(ring.elements[ring.next...].reversed())
        }
        var seen = Set<Element>()
        return noted.compactMap { $0 }.filter { seen.insert($0).inserted }
    }
}
