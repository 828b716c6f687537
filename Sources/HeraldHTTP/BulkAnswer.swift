import HeraldCore

/// The answer to a change of many notifications at once: `{"counts": …, "updated": N}` (read-all,
/// seen) or `{"counts": …, "deleted": N}` (deleting every notification of a user).
struct BulkAnswer: JSONWritable {
    /// The member that says how many changed.
    enum Count {
        case updated, deleted
    }

    var count: Count
    var number: Int
    var counts: Counts

    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.key("counts")
            counts.write(to: &writer)
            switch count {
            case .updated: writer.key("updated")
            case .deleted: writer.key("deleted")
            }
            writer.int(number)
        }
    }
}
