import Foundation
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// The WAL starts over from its beginning under steady writes, long before the writer's own
/// fallback checkpoint (10,000 pages) would make it.
@Suite(.timeLimit(.minutes(1)))
struct WALRestartTests {
    let now = Timestamp(milliseconds: 1_800_000_000_000)

    func walBytes(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
    }

    @Test func theCheckpointerRestartsTheWALUnderSteadyWrites() async throws {
        let directory = try makeTemporaryDirectory("wal-restart")
        let path = directory.appendingPathComponent("r.sqlite").path
        let store = try SQLiteStore(path: path, threads: .singleton, walRestartFrames: 100)
        // 2,000 commits of one notification each, without a pause in which a passive checkpoint
        // could reach the WAL's end by itself. SQLite writes a restarted WAL from its start again
        // without shrinking the file, so the file's size is the longest run between restarts:
        // ~4.5 MB, against ~41 MB (10,000 frames, where the writer's fallback restarts it) with the
        // checkpointer's restart turned off (measured alone).
        for index in 0..<2_000 {
            let draft = try ServiceHarness.draft(user: "u\(index % 50)", id: "n\(index)", type: "t", tags: [], ttl: nil)
            _ = try await store.create([draft], defaultTTLSeconds: 60, now: now)
        }
        let bytes = try walBytes(path)
        #expect(bytes < 16 * 1024 * 1024, "WAL \(bytes) bytes")
        #expect(try await store.counts(user: "u0") == Counts(user: "u0", unread: 40, unseen: 40, seq: 40))
    }
}
