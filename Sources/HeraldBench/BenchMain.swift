import ArgumentParser

/// `herald-bench`: load generator for Herald and its peers (nginx + nchan, raw memcached).
@main
struct HeraldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-bench",
        abstract: "SSE fan-out, idle-stream, HTTP and memcached load generator (loopback only).",
        subcommands: [
            FanoutCommand.self, IdleCommand.self, HTTPLoadCommand.self, MemcachedLoadCommand.self,
            WriteLoadCommand.self, HandoffCommand.self, StallsCommand.self, OpensCommand.self,
        ]
    )
}
