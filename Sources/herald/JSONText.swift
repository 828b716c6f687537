import Foundation

/// JSON objects as one line of text (sorted keys), for `--json` output.
enum JSONText {
    static func line(_ object: Any) -> String {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
