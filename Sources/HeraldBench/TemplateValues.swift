/// The values substituted into URL and body templates for one message.
struct TemplateValues: Sendable {
    var channel: String
    var seq: Int = 0
    var ts: UInt64 = 0
    var run: String = ""
    var pad: String = ""

    var token: String { "bt:\(run):\(ts):\(seq)" }
}
