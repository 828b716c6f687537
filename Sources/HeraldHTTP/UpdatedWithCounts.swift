import HeraldCore

/// `{"updated": N, "counts": …}`.
struct UpdatedWithCounts: Encodable {
    var updated: Int
    var counts: Counts
}
