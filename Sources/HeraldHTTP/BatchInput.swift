import HeraldCore

/// `{"notifications": [...]}` where each item is checked independently.
struct BatchInput: JSONReadable {
    var items: [Result<NotificationDraft, HeraldError>]

    static let maximumItems = 1000

    init(json: JSONValue) throws(HeraldError) {
        let shape = "body must be {\"notifications\": [ ... ]}"
        guard let list = try JSONFields(json, notAnObject: shape).array("notifications") else {
            throw HeraldError(.invalidField, shape)
        }
        guard list.count <= Self.maximumItems else {
            throw HeraldError(.invalidField, "a batch holds at most \(Self.maximumItems) notifications")
        }
        items = list.map { item in
            do throws(HeraldError) {
                return .success(try NotificationInput(json: item).draft)
            } catch {
                return .failure(error)
            }
        }
    }
}
