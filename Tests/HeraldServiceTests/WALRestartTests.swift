import Foundation
import GRDB
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
        // ~4.5 MB measured alone, up to 24 MB while every other suite shares the two cores (the
        // checkpointer's thread waits for one), against ~41 MB (10,000 frames, where the writer's
        // fallback restarts it) with the checkpointer's restart turned off.
        for index in 0..<2_000 {
            let draft = try ServiceHarness.draft(user: "u\(index % 50)", id: "n\(index)", type: "t", tags: [], ttl: nil)
            _ = try await store.create([draft], defaultTTLSeconds: 60, now: now)
        }
        let bytes = try walBytes(path)
        #expect(store.walRestartAttempts > 0)
        #expect(bytes < 32 * 1024 * 1024, "WAL \(bytes) bytes")
        #expect(try await store.counts(user: "u0") == Counts(user: "u0", unread: 40, unseen: 40, seq: 40))
    }

    /// A reader's old snapshot keeps the frames after it in the WAL: no checkpoint can reach the
    /// end, so the checkpointer stops holding the writer for one until the reader is gone.
    @Test func noRestartIsTriedWhileAReaderKeepsTheWALsEnd() async throws {
        let directory = try makeTemporaryDirectory("wal-reader")
        let path = directory.appendingPathComponent("r.sqlite").path
        let store = try SQLiteStore(path: path, threads: .singleton, walRestartFrames: 100)
        func create(_ index: Int) async throws {
            let draft = try ServiceHarness.draft(user: "u\(index % 50)", id: "n\(index)", type: "t", tags: [], ttl: nil)
            _ = try await store.create([draft], defaultTTLSeconds: 60, now: now)
        }
        try await create(0)
        var readerConfiguration = Configuration()
        readerConfiguration.allowsUnsafeTransactions = true  // the snapshot stays open between calls
        let reader = try DatabaseQueue(path: path, configuration: readerConfiguration)
        try reader.inDatabase { db in
            try db.execute(sql: "BEGIN")
            _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification")
        }
        // Well past the lag allowed (2,000 frames), then some more.
        for index in 1...1_000 { try await create(index) }
        try await Task.sleep(for: .milliseconds(100))
        let attempts = store.walRestartAttempts
        for index in 1_001...1_500 { try await create(index) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(store.walRestartAttempts == attempts)

        try reader.inDatabase { db in try db.execute(sql: "COMMIT") }
        for index in 1_501...1_600 { try await create(index) }
        #expect(await ServiceHarness.eventually { store.walRestartAttempts > attempts })
    }
}
