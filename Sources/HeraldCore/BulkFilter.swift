/// Narrows read-all to one type or one tag.
public struct BulkFilter: Sendable, Hashable {
    public var type: String?
    public var tag: String?

    public init(type: String? = nil, tag: String? = nil) {
        self.type = type
        self.tag = tag
    }
}
