import ArgumentParser
import HeraldClient

#if canImport(Glibc)
import Glibc
#endif

/// `herald tail --user U`: follows a user's event stream in the terminal, resuming after disconnects.
struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a user's live events (resumes with Last-Event-ID after disconnects).")

    @Option(help: "The user.")
    var user: String

    @Option(
        name: .customLong("last-event-id"), help: "Start after this event id (default: live, with a counts snapshot).")
    var lastEventID: String?

    @Flag(
        name: .customLong("no-color"), help: "Never color the output (default: colored on a terminal). Env: NO_COLOR.")
    var noColor = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let json = options.json
        let formatter = EventLineFormatter(
            colored: Self.colorsLines(
                noColorFlag: noColor, json: json, toTerminal: isatty(STDOUT_FILENO) == 1,
                noColorVariable: Environment.value("NO_COLOR")))
        do {
            try await follow(client, json: json, formatter: formatter)
        } catch {
            // The note `giving up` has said why; a failed call exits 1, as send's and counts' do.
            throw ExitCode(1)
        }
    }

    /// Whether event lines are colored: in the text format on a terminal, unless `--no-color` or
    /// a `NO_COLOR` that is set and not empty says no.
    static func colorsLines(noColorFlag: Bool, json: Bool, toTerminal: Bool, noColorVariable: String?) -> Bool {
        !noColorFlag && !json && toTerminal && noColorVariable == nil
    }

    /// Follows the stream until the server refuses it for good (throws) or the command is stopped.
    private func follow(
        _ client: HeraldAPIClient, json: Bool, formatter: EventLineFormatter
    ) async throws(HeraldClientError) {
        let user = self.user
        try await client.follow(
            user: user, after: lastEventID,
            onState: { state in
                switch state {
                case .connected: Self.note("following \(user)")
                case .ended: Self.note("stream ended; reconnecting")
                case .failed(let error):
                    Self.note("\(error); \(error.endsFollowing ? "giving up" : "retrying")")
                }
            },
            onEvent: { event in
                if json {
                    Terminal.out(JSONText.line(["id": event.id ?? "", "event": event.event, "data": event.data]))
                } else {
                    Terminal.out(formatter.line(for: event))
                }
            })
    }

    private static func note(_ text: String) {
        Terminal.err("herald tail: \(text)")
    }
}
