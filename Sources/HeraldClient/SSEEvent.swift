/// One Server-Sent Events message: the fields of one blank-line-terminated block.
public struct SSEEvent: Sendable, Equatable {
    /// `id:` (Herald: the user's event sequence number).
    public var id: String?
    /// `event:`; `message` when the block names none.
    public var event: String
    /// The `data:` lines joined with newlines.
    public var data: String

    public init(id: String? = nil, event: String = "message", data: String = "") {
        self.id = id
        self.event = event
        self.data = data
    }
}
