import HeraldCore
import NIOCore

/// The JSON body of a create request.
struct NotificationInput: JSONBodyReadable {
    var draft: NotificationDraft

    init(jsonBody bytes: ByteBufferView) throws(HeraldError) {
        try self.init(JSONIO.read(bytes) { reader throws(JSONReader.Failure) in try NotificationMembers.read(&reader) })
    }

    /// Checks one notification's members (nil: it was not a JSON object).
    init(_ members: NotificationMembers?) throws(HeraldError) {
        guard let members else { throw HeraldError(.invalidField, "each notification must be a JSON object") }
        guard let user = try JSONField("user", members.user).identifier() else {
            throw HeraldError(.invalidID, "user is required")
        }
        guard let type = try JSONField("type", members.type).string() else {
            throw HeraldError(.invalidField, "type is required")
        }
        draft = try NotificationDraft(
            user: user,
            id: try JSONField("id", members.id).identifier(),
            type: type,
            title: try JSONField("title", members.title).string(),
            body: try JSONField("body", members.body).string(),
            data: try JSONField("data", members.data).object() ?? [:],
            tags: try JSONField("tags", members.tags).strings() ?? [],
            ttlSeconds: try JSONField("ttl_seconds", members.ttlSeconds).integer(),
            expiresAt: try JSONField("expires_at", members.expiresAt).timestamp())
    }
}
