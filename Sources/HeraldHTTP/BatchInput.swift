import HeraldCore
import NIOCore

/// `{"notifications": [...]}` where each item is checked independently, as it is parsed.
struct BatchInput: JSONBodyReadable {
    /// The valid items' drafts, in order.
    var drafts: [NotificationDraft] = []
    /// One per item, in order: its error, or nil when it is valid and its draft is the next one in
    /// ``drafts`` (kept apart so that no draft is copied out of a list of results).
    var itemErrors: [HeraldError?] = []

    static let maximumItems = 1000

    init(jsonBody bytes: ByteBufferView) throws(HeraldError) {
        // nil: no array of notifications (yet); more than the maximum are counted, not checked.
        var list: (drafts: [NotificationDraft], itemErrors: [HeraldError?])?
        var count = 0
        let isObject = try JSONIO.read(bytes) { reader throws(JSONReader.Failure) in
            let isObject = try reader.readObject { key, reader throws(JSONReader.Failure) in
                guard key == "notifications" else {
                    _ = try reader.value()
                    return
                }
                var items: (drafts: [NotificationDraft], itemErrors: [HeraldError?]) = ([], [])
                count = 0
                let isArray = try reader.readArray { reader throws(JSONReader.Failure) in
                    count += 1
                    guard count <= Self.maximumItems else {
                        _ = try reader.value()
                        return
                    }
                    let members = try NotificationMembers.read(&reader)
                    do throws(HeraldError) {
                        items.drafts.append(try NotificationInput(members).draft)
                        items.itemErrors.append(nil)
                    } catch {
                        items.itemErrors.append(error)
                    }
                }
                if !isArray { _ = try reader.value() }  // null or not an array: the shape's error
                list = isArray ? items : nil
            }
            if !isObject { _ = try reader.value() }
            return isObject
        }
        guard isObject, let list else { throw HeraldError(.invalidField, "body must be {\"notifications\": [ ... ]}") }
        guard count <= Self.maximumItems else {
            throw HeraldError(.invalidField, "a batch holds at most \(Self.maximumItems) notifications")
        }
        (drafts, itemErrors) = list
    }
}
