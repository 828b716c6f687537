import Foundation
import Hummingbird

extension Parameters {
    /// The parameters of a query as HTML forms and `URLSearchParams` write them: `+` is a space,
    /// then `%XX` is decoded, in names and values alike (a pair that does not decode is kept as
    /// sent, as Hummingbird keeps it).
    ///
    /// Hummingbird decodes `%XX` but keeps `+`, so `?tag=a+b`, which `URLSearchParams`, Go's
    /// `url.Values` and Python's `urlencode` all write for the tag `a b`, listed the notifications
    /// tagged `a+b` instead. A literal `+` is `%2B`, as every encoder writes it.
    static func form(_ query: String?) -> Parameters {
        guard let query, !query.isEmpty else { return Parameters() }
        let pairs = query.split(separator: "&").map { pair -> (key: Substring, value: Substring) in
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = halves.count == 2 ? halves[1] : ""
            return (decoded(halves[0]), decoded(value))
        }
        return Parameters(pairs)
    }

    private static func decoded(_ text: Substring) -> Substring {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return (spaced.removingPercentEncoding ?? String(text))[...]
    }
}
