import Foundation
import HeraldCore

/// The opaque `cursor` of list pages: base64url of `p:<position>`.
enum ListCursor {
    static func encode(_ position: Int64) -> String {
        Data("p:\(position)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) throws(HeraldError) -> Int64 {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard cursor.count <= 64, let data = Data(base64Encoded: base64),
            let text = String(data: data, encoding: .utf8), text.hasPrefix("p:"),
            let position = Int64(text.dropFirst(2)), position > 0
        else {
            throw HeraldError(.invalidQuery, "cursor is not valid")
        }
        return position
    }
}
