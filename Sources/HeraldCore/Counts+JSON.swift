extension Counts: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writeCountMembers(to: &writer)
            writer.raw(#","user":"#)
            writer.string(user)
        }
    }

    /// The `seq`, `unread` and `unseen` members (in that, sorted, order) of an object being written:
    /// the part every event payload and counts body shares. After the first, each member's
    /// punctuation and key is one constant (every counts answer and event writes these).
    public func writeCountMembers(to writer: inout JSONWriter) {
        writer.key("seq")
        writer.int(seq)
        writer.raw(#","unread":"#)
        writer.int(unread)
        writer.raw(#","unseen":"#)
        writer.int(unseen)
    }
}
