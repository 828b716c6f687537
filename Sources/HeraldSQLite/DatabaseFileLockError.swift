/// Why ``DatabaseFileLock`` could not lock the database file.
public struct DatabaseFileLockError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Another process, or another lock in this one, holds the file.
        case inUse = "database_in_use"
        /// The file could not be opened or locked.
        case unavailable = "database_unavailable"
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
