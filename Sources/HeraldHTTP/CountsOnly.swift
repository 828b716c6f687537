import HeraldCore

/// `{"counts": …}`.
struct CountsOnly: Encodable {
    var counts: Counts
}
