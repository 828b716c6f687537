import NIOCore

/// Reads a URL once for every channel before a load, as the pages of its users would: against
/// Herald, `GET /v1/users/{channel}/counts` puts each user's counts in memcached, so that every
/// later change of that user updates them there too.
enum ChannelWarmer {
    /// GETs `template` for channels `prefix`0 … `prefix`(channels - 1), over `connections`
    /// keep-alive connections; throws unless every answer was a 2xx.
    static func get(
        _ template: URLTemplate, channels: Int, prefix: String, headers: [(String, String)],
        group: any EventLoopGroup, connections: Int = 16
    ) async throws {
        let reader = try await Publisher.start(
            template: template, connections: connections, group: group, headers: headers, method: .GET)
        await reader.publish(count: channels) { index in
            (0, template.path(TemplateValues(channel: "\(prefix)\(index)")), nil)
        }
        await reader.close()
        guard reader.succeeded.value == channels else {
            throw BenchError("warming \(channels) channels: answers by status \(reader.statuses())")
        }
    }
}
