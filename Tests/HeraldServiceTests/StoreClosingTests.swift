import Foundation
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// `SQLiteStore.close()`: when it returns, this process has nothing of the database open (the file,
/// its WAL, its shared memory), so another process can lock it at once, the database is its one
/// file, and the store answers no more.
@Suite(.timeLimit(.minutes(1)))
struct StoreClosingTests {
    /// The files under `directory` this process has a descriptor on (`/proc/self/fd`).
    func openFiles(under directory: URL) throws -> [String] {
        let manager = FileManager.default
        let prefix = directory.resolvingSymlinksInPath().path + "/"
        return try manager.contentsOfDirectory(atPath: "/proc/self/fd").compactMap {
            try? manager.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")
        }.filter { $0.hasPrefix(prefix) }
    }

    @Test func closingLeavesNothingOfTheDatabaseOpen() async throws {
        let directory = try makeTemporaryDirectory("store-closing")
        let path = directory.appendingPathComponent("herald.sqlite").path
        let store = try SQLiteStore(path: path)
        _ = try await store.create(
            [try ServiceHarness.draft(user: "u1", id: "n1")], defaultTTLSeconds: 600, now: .now())
        #expect(try await store.counts(user: "u1").unread == 1)
        // Open now: the writer's, a reader's and the checkpointer's connections, and the WAL.
        let wal = directory.resolvingSymlinksInPath().appendingPathComponent("herald.sqlite-wal").path
        #expect(try openFiles(under: directory).contains(wal))

        try await store.close()
        #expect(try openFiles(under: directory) == [])
        // The last close copied the WAL into the file and deleted it and the shared memory's file.
        for suffix in ["-wal", "-shm"] { #expect(!FileManager.default.fileExists(atPath: path + suffix), "\(suffix)") }
        await #expect(throws: (any Error).self) { try await store.counts(user: "u1") }
        try await store.close()  // a second close does nothing

        // What it wrote is all there.
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.counts(user: "u1").unread == 1)
        try await reopened.close()
    }
}
