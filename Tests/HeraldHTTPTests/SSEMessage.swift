import Foundation

/// One parsed SSE message (fields of one blank-line-terminated block).
struct SSEMessage: Equatable {
    var id: String?
    var event: String?
    var data: String?
    var retry: String?
    var comment: String?

    /// `data` as a JSON object.
    var json: [String: Any] {
        guard let data, let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) else { return [:] }
        return object as? [String: Any] ?? [:]
    }
}
