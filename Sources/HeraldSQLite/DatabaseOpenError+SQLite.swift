import GRDB

extension DatabaseOpenError {
    /// Runs `body` on the database at `path`, turning what it throws into a ``DatabaseOpenError``:
    /// one of its own as it is, SQLite's "not a database" as ``Code/notADatabase``, anything else
    /// as ``Code/unusable``, its message after `context`.
    static func reporting<Result>(
        _ path: String, as context: String, _ body: () throws -> Result
    ) throws(DatabaseOpenError) -> Result {
        do {
            return try body()
        } catch let error as DatabaseOpenError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw DatabaseOpenError(.notADatabase, "\(path) is not an SQLite database, or is damaged")
        } catch let error as DatabaseError {
            throw DatabaseOpenError(.unusable, "\(context): \(error.message ?? "\(error.resultCode)")")
        } catch {
            throw DatabaseOpenError(.unusable, "\(context): \(error)")
        }
    }
}
