/// A count and the noun it counts, the noun singular for one (`1 user`, `2 users`), as the
/// commands' summaries say them.
enum Counted {
    /// `count` and `singular`, or `plural` (`singular` + `s` unless given) for any other count.
    static func phrase(_ count: some BinaryInteger, _ singular: String, plural: String? = nil) -> String {
        "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
    }
}
