/// Why the database file could not be used: ``DatabaseFileLock`` could not lock it, or
/// ``SQLiteStore`` would not open it.
public struct DatabaseOpenError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Another process, or another lock in this one, holds the file.
        case inUse = "database_in_use"
        /// The file could not be opened or locked.
        case unavailable = "database_unavailable"
        /// The file is not an SQLite database (or is damaged).
        case notADatabase = "database_not_sqlite"
        /// The file holds tables but none of Herald's: another application's database.
        case foreign = "database_foreign"
        /// A newer Herald has migrated the file past what this version knows.
        case newerSchema = "database_newer"
        /// Anything else SQLite refused (permissions, a full disk, a lock held too long).
        case unusable = "database_unusable"
    }

    public let code: Code
    /// What happened and what to do, for the operator.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
