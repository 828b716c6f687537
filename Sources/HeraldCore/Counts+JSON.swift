extension Counts: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writeCountMembers(to: &writer)
            writer.key("user")
            writer.string(user)
        }
    }

    /// The `seq`, `unread` and `unseen` members (in that, sorted, order) of an object being written:
    /// the part every event payload and counts body shares.
    public func writeCountMembers(to writer: inout JSONWriter) {
        writer.key("seq")
        writer.int(seq)
        writer.key("unread")
        writer.int(unread)
        writer.key("unseen")
        writer.int(unseen)
    }
}
