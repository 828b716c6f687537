extension Counts: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.key("seq")
            writer.int(seq)
            writer.key("unread")
            writer.int(unread)
            writer.key("unseen")
            writer.int(unseen)
            writer.key("user")
            writer.string(user)
        }
    }
}
