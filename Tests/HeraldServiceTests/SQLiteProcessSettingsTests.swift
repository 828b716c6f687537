import Foundation
import HeraldSQLite
import HeraldTestSupport
import Testing

/// SQLite's process-wide settings: memory statistics are off when the process's first store made
/// that setting before SQLite initialized, and SQLite then counts nothing; when something else in
/// the process initialized SQLite first (the test suites share one process), it keeps counting.
struct SQLiteProcessSettingsTests {
    @Test func memoryIsCountedExactlyWhenStatisticsAreOn() async throws {
        let directory = try makeTemporaryDirectory("settings")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
        _ = try await store.counts(user: "u1")
        if SQLiteProcessSettings.memoryStatisticsOff {
            #expect(SQLiteProcessSettings.memoryCounted == 0)
        } else {
            #expect(SQLiteProcessSettings.memoryCounted > 0)
        }
    }
}
