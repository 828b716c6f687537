import ArgumentParser
import HeraldCore

/// `herald`: the notification state service and its tools.
@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Self-hosted notification state: exact unread/unseen counts and live SSE updates.",
        version: HeraldVersion.current,
        subcommands: [
            Serve.self, Token.self, Send.self, Counts.self, Tail.self, Revoke.self, Backup.self, Restore.self,
            Check.self,
        ]
    )
}
