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

    /// One notification for one of 50 users.
    func create(in store: SQLiteStore, _ index: Int) async throws {
        let draft = try ServiceHarness.draft(user: "u\(index % 50)", id: "n\(index)", type: "t", tags: [], ttl: nil)
        _ = try await store.create([draft], defaultTTLSeconds: 60, now: now)
    }

    /// A connection to the database at `path` inside a read transaction, whose snapshot keeps
    /// every frame after it in the WAL until it commits.
    func readerHoldingASnapshot(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the snapshot stays open between calls
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        try reader.inDatabase { db in
            try db.execute(sql: "BEGIN")
            _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification")
        }
        return reader
    }

    @Test func theCheckpointerRestartsTheWALUnderSteadyWrites() async throws {
        let directory = try makeTemporaryDirectory("wal-restart")
        let path = directory.appendingPathComponent("r.sqlite").path
        let store = try SQLiteStore(path: path, threads: .singleton, wal: WALSettings(restartFrames: 100))
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
        let store = try SQLiteStore(path: path, threads: .singleton, wal: WALSettings(restartFrames: 100))
        try await create(in: store, 0)
        let reader = try readerHoldingASnapshot(path)
        // Well past the lag allowed (2,000 frames), then some more.
        for index in 1...1_000 { try await create(in: store, index) }
        try await Task.sleep(for: .milliseconds(100))
        let attempts = store.walRestartAttempts
        for index in 1_001...1_500 { try await create(in: store, index) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(store.walRestartAttempts == attempts)

        try reader.inDatabase { db in try db.execute(sql: "COMMIT") }
        for index in 1_501...1_600 { try await create(in: store, index) }
        #expect(await ServiceHarness.eventually { store.walRestartAttempts > attempts })
    }

    /// A WAL that a reader's old snapshot let grow keeps its size while the reader lasts, and is
    /// truncated once writes pause after it ended; writes go on after it.
    @Test func aWALGrownBesideALongReadIsTruncatedOnceWritesPause() async throws {
        let directory = try makeTemporaryDirectory("wal-truncate")
        let path = directory.appendingPathComponent("r.sqlite").path
        let store = try SQLiteStore(
            path: path, threads: .singleton, wal: WALSettings(restartFrames: 100, idleTruncateBytes: 256 * 1024))
        try await create(in: store, 0)
        let reader = try readerHoldingASnapshot(path)
        for index in 1...300 { try await create(in: store, index) }
        let grown = try walBytes(path)
        #expect(grown > 256 * 1024)
        try await Task.sleep(for: .seconds(1))  // idle rounds, the reader still there
        #expect(store.walIdleTruncations == 0)
        #expect(try walBytes(path) == grown)

        try reader.inDatabase { db in try db.execute(sql: "COMMIT") }
        #expect(await ServiceHarness.eventually { store.walIdleTruncations > 0 })
        #expect(try walBytes(path) == 0)
        try await create(in: store, 301)
        #expect(try await store.counts(user: "u1") == Counts(user: "u1", unread: 7, unseen: 7, seq: 7))
        #expect(try walBytes(path) > 0)
    }

    /// The writer's own automatic checkpoint is disarmed while the checkpointer runs its rounds,
    /// and armed once it has ended none for longer than the stall limit.
    @Test func theWritersFallbackIsArmedOnlyWhileTheCheckpointerStalls() async throws {
        let directory = try makeTemporaryDirectory("wal-fallback")
        let path = directory.appendingPathComponent("r.sqlite").path
        let store = try SQLiteStore(
            path: path, threads: .singleton, wal: WALSettings(fallbackPages: 700, stallLimit: .milliseconds(500)))
        func createAndReadTheWritersThreshold(_ index: Int) async throws -> Int? {
            let draft = try ServiceHarness.draft(user: "u1", id: "n\(index)", type: "t", tags: [], ttl: nil)
            _ = try await store.create([draft], defaultTTLSeconds: 60, now: now)
            return try await store.pool.writeWithoutTransaction {
                try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint")
            }
        }
        #expect(try await createAndReadTheWritersThreshold(0) == 0)
        #expect(store.checkpointer.fallbackArmedTimes == 0)
        store.checkpointer.stop()  // its thread ends within one pause (0.32 s at most)
        try await Task.sleep(for: .milliseconds(1_200))
        #expect(try await createAndReadTheWritersThreshold(1) == 700)
        #expect(store.checkpointer.fallbackArmedTimes == 1)
    }

    /// When a reader's old snapshot ends, the backlog it kept in the WAL is left to the
    /// checkpointer: the next commit does not copy it while every write waits.
    @Test func theBacklogAReaderKeptIsNotCopiedByTheNextCommit() async throws {
        let directory = try makeTemporaryDirectory("wal-backlog")
        let path = directory.appendingPathComponent("r.sqlite").path
        // A fallback of 50 pages, far below the backlog; the checkpointer counted as running
        // throughout, though it is stopped below so that nothing else copies a frame.
        let store = try SQLiteStore(
            path: path, threads: .singleton, wal: WALSettings(fallbackPages: 50, stallLimit: .seconds(3_600)))
        try await create(in: store, 0)
        store.checkpointer.stop()
        try await Task.sleep(for: .milliseconds(400))
        let reader = try readerHoldingASnapshot(path)
        for index in 1...200 { try await create(in: store, index) }
        try reader.inDatabase { db in try db.execute(sql: "COMMIT") }
        try await create(in: store, 201)
        // The wal-index header (https://www.sqlite.org/walformat.html): the WAL's last valid frame
        // (mxFrame) at byte 16, the frames copied into the database (nBackfill) at byte 96.
        let header = try Data(contentsOf: URL(fileURLWithPath: path + "-shm")).prefix(100)
        func word(_ offset: Int) -> UInt32 {
            header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        }
        #expect(word(16) > 200 && word(96) < word(16), "\(word(96)) of \(word(16)) frames copied")
        #expect(store.checkpointer.fallbackArmedTimes == 0)
    }
}
