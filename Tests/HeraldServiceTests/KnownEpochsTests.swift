import Testing

@testable import HeraldCache

/// `KnownEpochs`, the counts jobs' guess of each user's epoch: it remembers what jobs saw, up to
/// its capacity, and starts over once more would not fit.
struct KnownEpochsTests {
    @Test func remembersUpToItsCapacityThenStartsOver() {
        let known = KnownEpochs(capacity: 3)
        known.update(["e:a": "1", "e:b": "2"])
        known.update(["e:b": nil])  // seen holding no epoch: forgotten
        #expect(known.epochs(for: ["e:a", "e:b", "e:x"]) == ["1", nil, nil])
        known.update(["e:c": "3", "e:d": "4", "e:e": "5"])  // four would not fit: starts over with these
        #expect(known.epochs(for: ["e:a", "e:c", "e:d", "e:e"]) == [nil, "3", "4", "5"])
    }

    @Test func holdsExactlyItsCapacity() {
        let known = KnownEpochs(capacity: 2)
        known.update(["e:a": "1"])
        known.update(["e:b": "2"])
        #expect(known.epochs(for: ["e:a", "e:b"]) == ["1", "2"])
    }
}
