import GRDB

/// A connection for a test's own edits of a Herald database a store had open just before.
enum HandEditedDatabase {
    /// Opens `path`, waiting up to 10 s for a lock: a store's pool closes its connections on its
    /// own threads after the store is released, and the last of them checkpoints the WAL and takes
    /// the file's write lock while it does, so a connection opened at once could find it locked.
    static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
