import Foundation
import HeraldTestSupport
import Synchronization
import Testing

@testable import Memcached

/// A restarted memcached leaves every pooled connection's socket dead at once. The first of them
/// to fail closes the others too, so each reconnects on its next use rather than failing once in
/// its turn (which kept the cache marked down for a second per connection).
@Suite(.timeLimit(.minutes(1)))
struct MemcachedConnectionPoolTests {
    @Test func aLostConnectionMakesThePoolsOthersReconnect() throws {
        let server = try MemcachedProcess()
        // No retry pause after a failure, so that the connection that failed is usable at once too.
        let pool = try MemcachedConnectionPool(
            configuration: .init(
                servers: [.unixSocket(path: server.socketPath)], connections: 4, retryTimeoutSeconds: 0))
        #expect(try Self.everyConnectionAtOnce(pool, count: 4).allSatisfy { $0 == nil })

        try server.restart()
        #expect(throws: MemcachedError.self) {
            try pool.withConnection { connection throws(MemcachedError) in try connection.ping() }
        }

        let failures = try Self.everyConnectionAtOnce(pool, count: 4).compactMap { $0 }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Only a lost connection closes the others: a request memcached refuses (an incr of a value
    /// that is not a number) costs at most the reconnect of the connection that carried it
    /// (libmemcached drops that one), not one of every connection in the pool.
    @Test func aRefusedRequestReconnectsOnlyItsOwnConnection() throws {
        let server = try MemcachedProcess()
        let pool = try MemcachedConnectionPool(
            configuration: .init(servers: [.unixSocket(path: server.socketPath)], connections: 4))
        #expect(try Self.everyConnectionAtOnce(pool, count: 4).allSatisfy { $0 == nil })
        let opened = try #require(server.stats()?["total_connections"].flatMap { Int($0) })

        try pool.withConnection { connection throws(MemcachedError) in
            _ = try connection.store(.set, key: "word", value: Array("abc".utf8), flags: 0, expiration: .never)
        }
        let nonNumeric = #expect(throws: MemcachedError.self) {
            try pool.withConnection { connection throws(MemcachedError) in
                _ = try connection.adjust("word", by: 1, increment: true)
            }
        }
        #expect(nonNumeric?.code == .nonNumericValue)
        #expect(try Self.everyConnectionAtOnce(pool, count: 4).allSatisfy { $0 == nil })
        // Two more: the refused request's connection again, and the one that read the statistics
        // the first time.
        #expect(server.stats()?["total_connections"] == String(opened + 2))
    }

    /// A client's two pools, its shared one and its serial worker's, share the count: the health
    /// probe finds a restart on the shared pool, and the counts cache's serial connection then
    /// reconnects rather than failing its first request after the restart (which marked the cache
    /// down a second time, each time a new key space).
    @Test func aLossFoundOnTheSharedPoolMakesTheSerialConnectionReconnect() async throws {
        let server = try MemcachedProcess()
        let client = try MemcachedClient(
            configuration: .init(
                servers: [.unixSocket(path: server.socketPath)], connections: 1, retryTimeoutSeconds: 0))
        @Sendable func serialGet() async throws {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                client.withSerialSession { session throws(MemcachedError) in
                    _ = try session.get("k")
                } completion: {
                    continuation.resume(with: $0.mapError { $0 as any Error })
                }
            }
        }
        try await client.ping()
        try await serialGet()

        try server.restart()
        await #expect(throws: MemcachedError.self) { try await client.ping() }
        try await serialGet()
        await client.shutdown()
    }

    /// Pings on `count` connections held at the same time (so `count` different ones), one thread
    /// each: each ping's error, or nil where it answered.
    private static func everyConnectionAtOnce(
        _ pool: MemcachedConnectionPool, count: Int
    ) throws -> [MemcachedError?] {
        let rendezvous = Rendezvous(count: count)
        let results = Mutex<[MemcachedError?]>([])
        let done = DispatchGroup()
        for _ in 0..<count {
            done.enter()
            Thread {
                defer { done.leave() }
                let outcome: MemcachedError?
                do throws(MemcachedError) {
                    try pool.withConnection { connection throws(MemcachedError) in
                        rendezvous.arriveAndWait()
                        try connection.ping()
                    }
                    outcome = nil
                } catch {
                    outcome = error
                }
                results.withLock { $0.append(outcome) }
            }.start()
        }
        guard done.wait(timeout: .now() + 20) == .success else {
            throw MemcachedError(code: .timeout, message: "the connections were not all lent at once")
        }
        return results.withLock { $0 }
    }
}
