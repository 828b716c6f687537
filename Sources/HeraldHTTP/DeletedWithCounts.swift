import HeraldCore

/// `{"deleted": N, "counts": …}`: the answer to deleting every notification of a user.
struct DeletedWithCounts: Encodable {
    var deleted: Int
    var counts: Counts
}
