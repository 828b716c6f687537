import Foundation
import HeraldTestSupport
import Memcached
import Testing

@Suite(.timeLimit(.minutes(1)))
struct MemcachedMultiServerTests {
    @Test func keysSpreadOverServersAndStayReadable() async throws {
        let servers = try (0..<3).map { _ in try MemcachedProcess() }
        let client = try MemcachedClient(
            configuration: .init(servers: servers.map { .unixSocket(path: $0.socketPath) })
        )
        for index in 0..<300 { try await client.set("key\(index)", value: Array("\(index)".utf8)) }
        let all = try await client.getMultiple((0..<300).map { "key\($0)" })
        #expect(all.count == 300)
        // Each server alone holds a share of the keys.
        var shares: [Int] = []
        for server in servers {
            let single = try MemcachedClient(configuration: .init(servers: [.unixSocket(path: server.socketPath)]))
            shares.append(try await single.getMultiple((0..<300).map { "key\($0)" }).count)
            await single.shutdown()
        }
        #expect(shares.reduce(0, +) == 300)
        // Answers of several servers interleave: each value still reaches the index of its key,
        // a key asked twice gets it at both, a missing key at none.
        let asked = (0..<300).map { "key\($0)" } + ["key7", "absent", "key0"]
        let found: [Int: String] = try await client.withSession { session throws(MemcachedError) in
            var found: [Int: String] = [:]
            try session.getMultiple(asked) { index, value in
                #expect(found[index] == nil)
                found[index] = String(decoding: value, as: UTF8.self)
            }
            return found
        }
        #expect(found.count == 302)
        #expect(found.allSatisfy { index, value in asked[index] == "key\(value)" })
        #expect(shares.allSatisfy { $0 > 30 })
        // One server down: its keys fail or miss, the others' keys stay readable.
        servers[0].kill()
        var readable = 0
        for index in 0..<300 {
            if (try? await client.get("key\(index)")) != nil { readable += 1 }
        }
        #expect(readable >= 300 - shares[0] - 5)
        #expect(readable < 300)
        await client.shutdown()
    }

    /// `stats settings` of each server, told apart: one started as the README recommends (without
    /// the LRU maintainer), one with it turned back on and evictions off, and how much memory each
    /// was given.
    @Test func settingsComeFromEveryServer() async throws {
        let recommended = try MemcachedProcess()
        let withMaintainer = try MemcachedProcess(options: ["-o", "lru_maintainer", "-m", "24", "-M"])
        let client = try MemcachedClient(
            configuration: .init(servers: [recommended, withMaintainer].map { .unixSocket(path: $0.socketPath) }))
        let settings = try await client.settings()
        let recommendedServer = MemcachedServer.unixSocket(path: recommended.socketPath)
        let maintainerServer = MemcachedServer.unixSocket(path: withMaintainer.socketPath)
        #expect(Set(settings.map(\.server)) == [recommendedServer, maintainerServer])
        #expect(settings.count == 2)
        let byServer = Dictionary(uniqueKeysWithValues: settings.map { ($0.server, $0) })
        #expect(byServer[recommendedServer]?.runsLRUMaintainer == false)
        #expect(byServer[maintainerServer]?.runsLRUMaintainer == true)
        #expect(byServer[recommendedServer]?.evictsWhenFull == true)
        #expect(byServer[maintainerServer]?.evictsWhenFull == false)
        #expect(byServer[recommendedServer]?.values["maxbytes"] == "\(64 * 1024 * 1024)")
        #expect(byServer[maintainerServer]?.values["maxbytes"] == "\(24 * 1024 * 1024)")
        // A server that is gone fails the call rather than leaving it out.
        withMaintainer.kill()
        await #expect(throws: MemcachedError.self) { _ = try await client.settings() }
        await client.shutdown()
    }
}
