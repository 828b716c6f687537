import Foundation
public import GRDB
public import HeraldCore
public import NIOPosix

/// The durable store on SQLite (WAL mode, one writer, concurrent readers).
///
/// Each write is one transaction that changes the notification rows, updates the user's
/// `user_counter` row (unread, unseen, seq) and appends one row per state change to `event`.
public final class SQLiteStore: NotificationStore, CacheGenerationStore, TokenRevocationStore {
    /// The GRDB pool, for tests and tools.
    public let pool: DatabasePool
    private let committer: GroupCommitter
    let checkpointer: WALCheckpointer
    /// Where the blocking GRDB reads run (never Swift's cooperative pool or an event loop).
    private let threads: NIOThreadPool
    /// Where the group commit's transactions run: one thread of their own.
    private let writer: NIOThreadPool
    /// Under `--sync normal`: the rows committed since the WAL last reached the disk.
    let unsynced: UnsyncedChanges?
    /// What the opening did after a run that may have lost answered commits to a power loss
    /// (``SessionMarker``); nil when the last run stopped cleanly, or in the same boot.
    public let powerLossRecovery: PowerLossRecovery?
    /// The most rows one transaction of the upkeep (a prune of old events, a purge of swept
    /// notifications) deletes.
    let upkeepRows: Int

    /// The default of ``upkeepRows``: the upkeep deletes in transactions of this many rows, and the
    /// writes that wait meanwhile go between them. Pruning 319,000 old events in one transaction
    /// held the one writer, and so every create, for 0.7 s (release build); 1,000 rows take about
    /// 2 ms.
    public static let upkeepRowsPerTransaction = 1_000

    /// Opens (creating if needed) the database at `path` and migrates it. Writes commit on a thread
    /// of the store's own, `herald-writer-0`.
    /// - Parameters:
    ///   - threads: runs the blocking database reads; the process-wide NIO pool by default.
    ///   - sync: when commits reach the disk.
    public convenience init(path: String, threads: NIOThreadPool = .singleton, sync: CommitSync = .normal) throws {
        try self.init(path: path, threads: threads, sync: sync, wal: WALSettings())
    }

    /// - Parameters:
    ///   - wal: how the WAL is kept short (tests shrink it).
    ///   - boot: the boot the store runs in (tests pass others than ``BootIdentity/current``).
    ///   - syncBudget: under `normal`, the rows committed between two syncs of the WAL.
    ///   - upkeepRows: the most rows one transaction of the upkeep deletes.
    init(
        path: String, threads: NIOThreadPool, sync: CommitSync = .normal, wal: WALSettings = WALSettings(),
        boot: Int64? = BootIdentity.current, syncBudget: Int64 = UnsyncedChanges.defaultBudget,
        upkeepRows: Int = upkeepRowsPerTransaction
    ) throws {
        precondition(upkeepRows > 0, "upkeepRows must be positive")
        self.upkeepRows = upkeepRows
        _ = SQLiteProcessSettings.memoryStatisticsOff
        try WALWriteBuffer.install()
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A group transaction run again after a failed write puts each write in a savepoint
            // (see GroupCommitter), and SQLite journals the pages a savepoint (or a statement that
            // changes many rows inside a transaction) changes. By default a journal over 64 KB
            // spills to a temporary file (when every write had a savepoint, a group of creates did
            // so nearly every time: ~30% of all bytes written). In memory instead; one savepoint
            // (one request, at most a 1,000-item batch) at a time.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Armed until the writer's first transaction finds the checkpointer running.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(wal.fallbackPages)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.migrate(path: path)
        pool = try DatabasePool(path: path, configuration: configuration)
        // Only the writer's setting matters, and GRDB sets it to NORMAL when it opens the pool in
        // WAL mode, after `prepareDatabase`: so it is set here.
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = \(sync.pragmaValue)") }
        let unsynced = sync == .normal ? UnsyncedChanges(budget: syncBudget) : nil
        self.unsynced = unsynced
        let pool = self.pool
        powerLossRecovery = try DatabaseOpenError.reporting(path, as: path) {
            let recovery = try pool.writeWithoutTransaction { db in
                let recovery = try SessionMarker.open(db, boot: boot, margin: unsynced?.budget, now: .now())
                // The mark, and every commit before it, on the disk before a write is answered.
                try UnsyncedChanges.syncWAL(db, recordingIn: unsynced)
                return recovery
            }
            // The WAL may have been made just now: its name in the directory on the disk too.
            try DatabaseBackup.sync(path: directory.path)
            return recovery
        }
        self.threads = threads
        let gate = WriterGate()
        let checkpointer = try WALCheckpointer(
            path: path, configuration: configuration, gate: gate, settings: wal)
        self.checkpointer = checkpointer
        // Only one group transaction runs at a time, so one thread serves them all: each finds it
        // warm, rather than waking whichever pool thread waited longest, and reads on `threads`
        // never wait behind a transaction for a thread (nor transactions behind reads). Named for
        // `perf` and `bench/threads.sh` (NIO's `start()` names every pool's threads `TP-#n`).
        writer = NIOThreadPool(numberOfThreads: 1)
        writer._start(threadNamePrefix: "herald-writer-")
        committer = GroupCommitter(
            pool: pool, threads: writer, gate: gate, unsynced: unsynced,
            beforeTransaction: { checkpointer.armFallback(on: $0) }, committed: { checkpointer.committed() })
    }

    deinit {
        checkpointer.stop()
        writer.shutdownGracefully { _ in }
    }

    /// Closes every connection to the database, so that another process can lock the file as soon
    /// as this returns, and the database is its one file: the last close copies the WAL into it
    /// and deletes the WAL (unless another process has the database open too). A store only
    /// dropped closes its connections too, but later: the checkpointing one lasts until that
    /// thread has seen the stop and ended (after a checkpoint under way), and while any connection
    /// of this process is open, another process's exclusive locking mode does not keep readers
    /// out. Call after the last access; accesses after it throw.
    public func close() async throws {
        let checkpointer = checkpointer
        let pool = pool
        try await writer.runIfActive {
            checkpointer.stopAndWait()
            try pool.close()
            try checkpointer.closeLast()
        }
    }

    /// Brings the schema up to date, after checking that the file is Herald's: empty, or migrated
    /// by this version or an older one. Another application's database is not written into, and
    /// one a newer Herald migrated is not run by an older one (its rows may mean what this version
    /// does not know).
    ///
    /// On a connection of its own, with SQLite's default temp store: migrations that rewrite a
    /// table (v3, v4) sort and journal whole tables, which then spill to temporary files instead
    /// of staying in memory (331k notifications and their events: 9 MB instead of 157 MB,
    /// measured with the sqlite3 shell).
    /// - Parameter name: the file the messages name, when `path` is a copy of it (a restore's).
    static func migrate(path: String, named name: String? = nil) throws(DatabaseOpenError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let migrator = SQLiteSchema.migrator
        let named = name ?? path
        try DatabaseOpenError.reporting(named, as: named) {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.read { db throws in
                // GRDB's `hasBeenSuperseded` is this test, on a read of its own.
                let applied = try migrator.appliedIdentifiers(db)
                let unknown = applied.subtracting(migrator.migrations).sorted()
                if !unknown.isEmpty {
                    throw DatabaseOpenError(
                        .newerSchema,
                        "\(named) was migrated by a newer herald (\(unknown.joined(separator: ", "))): "
                            + (name == nil
                                ? "run that version, or restore a backup taken before the upgrade"
                                : "restore it with that version")
                    )
                }
                let tables = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                if !tables.isEmpty, applied.isEmpty {
                    throw DatabaseOpenError(
                        .foreign,
                        "\(path) holds tables that are not herald's (\(tables.sorted().prefix(3).joined(separator: ", "))): point --database at a new file or a herald database"
                    )
                }
            }
            try migrator.migrate(queue)
            try queue.close()
        }
    }

    /// Write transactions committed since the store opened (for tests and tools).
    public var committedTransactions: Int { committer.committedTransactions }

    /// WAL frames the background checkpointer has copied into the database file (for tests and tools).
    public var walFramesCheckpointed: Int { checkpointer.framesCheckpointed }

    /// Times the checkpointer held the writer to restart the WAL (for tests and tools).
    var walRestartAttempts: Int { checkpointer.restartAttempts }

    /// Times the checkpointer truncated the WAL file while writes paused (for tests and tools).
    var walIdleTruncations: Int { checkpointer.idleTruncations }

    // MARK: Writes

    public func create(
        _ drafts: [NotificationDraft], defaultTTLSeconds: Int64, now: Timestamp,
        completion: @escaping @Sendable (Result<[CreateOutcome], any Error>) -> Void
    ) {
        let prepared = drafts.map { PreparedCreate($0, defaultTTLSeconds: defaultTTLSeconds, now: now) }
        committer.write({ db in try Self.create(db, prepared, now: now) }, completion: completion)
    }

    /// Creates in order: a client's id one at a time (it may replay, conflict or replace an expired
    /// row), runs of server-made ids together (see ``BulkCreate``).
    private static func create(_ db: Database, _ prepared: [PreparedCreate], now: Timestamp) throws -> [CreateOutcome] {
        var outcomes: [CreateOutcome] = []
        outcomes.reserveCapacity(prepared.count)
        var start = prepared.startIndex
        while start < prepared.endIndex {
            guard prepared[start].generatedID else {
                outcomes.append(try create(db, prepared[start], now: now))
                start += 1
                continue
            }
            let end = prepared[start...].firstIndex { !$0.generatedID } ?? prepared.endIndex
            if end - start == 1 {
                outcomes.append(try create(db, prepared[start], now: now))
            } else {
                try BulkCreate.insert(db, prepared[start..<end], now: now, into: &outcomes)
            }
            start = end
        }
        return outcomes
    }

    private static func create(_ db: Database, _ prepared: PreparedCreate, now: Timestamp) throws -> CreateOutcome {
        let notification = prepared.notification
        if !prepared.generatedID,
            let (pk, existing, isSwept) = try fetchRow(db, user: notification.user, id: notification.id)
        {
            if !isSwept, existing.expiresAt > now {
                guard existing.hasSameContent(as: prepared.draft) else { return .conflict }
                return .replayed(existing, try counts(db, user: notification.user))
            }
            if isSwept {
                try db.run(sql: "DELETE FROM notification WHERE pk = ?", arguments: [pk])
            } else {
                _ = try remove(db, existing, event: .expired, now: now)
            }
        }
        var insert = DirectBindings(try db.cachedStatement(sql: RowInserts.oneNotification))
        insert.bindRow(of: prepared)
        try insert.execute(in: db)
        let (counts, delta, event) = try advance(
            db, user: notification.user, unread: 1, unseen: 1, name: .created, now: now,
            data: prepared.payload.completed(counts:))
        return prepared.created(counts: counts, event: event, delta: delta)
    }

    public func change(
        _ change: StateChange, user: String, id: String, now: Timestamp,
        completion: @escaping @Sendable (Result<ChangeOutcome, any Error>) -> Void
    ) {
        committer.write(
            { db in
                guard let existing = try Self.fetchLive(db, user: user, id: id, now: now) else { return .notFound }
                let before = existing.notification
                guard let after = change.apply(to: before, at: now) else {
                    return .unchanged(before, try Self.counts(db, user: user))
                }
                try db.run(
                    sql: "UPDATE notification SET read_at = ?, seen_at = ?, archived_at = ? WHERE pk = ?",
                    arguments: [
                        after.readAt?.milliseconds, after.seenAt?.milliseconds, after.archivedAt?.milliseconds,
                        existing.pk,
                    ])
                let (counts, delta, event) = try Self.advance(
                    db, user: user,
                    unread: Self.flag(after.countsAsUnread) - Self.flag(before.countsAsUnread),
                    unseen: Self.flag(after.countsAsUnseen) - Self.flag(before.countsAsUnseen),
                    name: change.eventName, now: now
                ) { counts in EventPayload.changed(change, after, counts: counts) }
                return .changed(NotificationChange(notification: after, counts: counts, event: event, delta: delta))
            }, completion: completion)
    }

    public func delete(
        user: String, id: String, now: Timestamp,
        completion: @escaping @Sendable (Result<RemovalOutcome?, any Error>) -> Void
    ) {
        committer.write(
            { db in
                guard let existing = try Self.fetchLive(db, user: user, id: id, now: now) else { return nil }
                return try Self.remove(db, existing.notification, event: .deleted, now: now)
            }, completion: completion)
    }

    public func expire(now: Timestamp, limit: Int) async throws -> ExpirySweep {
        try await committer.write { db in
            let (rows, _) = try NotificationRow.fetch(
                db,
                sql: """
                    SELECT \(NotificationRow.columns) FROM notification
                    WHERE swept_at IS NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?
                    """,
                arguments: [now.milliseconds, limit])
            let removed = try rows.map { pk, notification, _ in
                try db.run(sql: "UPDATE notification SET swept_at = ? WHERE pk = ?", arguments: [now.milliseconds, pk])
                return try Self.removeFromCounts(db, notification, event: .expired, now: now)
            }
            // The partial index `notification_unswept_expiry` answers this from its first entry.
            let next = try db.fetchInt64(sql: "SELECT min(expires_at) FROM notification WHERE swept_at IS NULL")
            return ExpirySweep(removed: removed, nextExpiry: next.map(Timestamp.init(milliseconds:)))
        }
    }

    /// In transactions of at most ``upkeepRows`` rows, paced (see ``upkeep(from:_:)``).
    public func purgeExpired(sweptBefore cutoff: Timestamp) async throws -> Int {
        let rows = upkeepRows
        return try await upkeep(from: ()) { db, _ in
            try db.run(sql: Self.purgeStatement, arguments: [cutoff.milliseconds, rows])
            let deleted = db.changesCount
            return (deleted, deleted < rows ? nil : ())
        }
    }

    /// Deletes up to `?2` notifications swept at or before `?1`, found through the index of swept
    /// rows.
    static let purgeStatement = """
        DELETE FROM notification WHERE pk IN (
            SELECT pk FROM notification WHERE swept_at IS NOT NULL AND swept_at <= ?1 LIMIT ?2)
        """

    public func readAll(
        user: String, filter: BulkFilter, now: Timestamp,
        completion: @escaping @Sendable (Result<BulkOutcome, any Error>) -> Void
    ) {
        committer.write(
            { db in
                let (statements, arguments) = Self.readAllStatements(user: user, now: now, filter: filter)
                let unseenAmong = try db.fetchInt64(sql: statements.count, arguments: arguments) ?? 0
                try db.run(sql: statements.update, arguments: [now.milliseconds, now.milliseconds] + arguments)
                let updated = db.changesCount
                return try Self.bulk(
                    db, user: user, updated: updated, unread: -Int64(updated), unseen: -unseenAmong, name: .readAll,
                    now: now)
            }, completion: completion)
    }

    public func deleteAll(
        user: String, now: Timestamp, completion: @escaping @Sendable (Result<BulkOutcome, any Error>) -> Void
    ) {
        committer.write(
            { db in
                let counter = try db.fetchRow(sql: Self.counterRow, arguments: [user])
                guard let counter else {
                    return BulkOutcome(updated: 0, counts: .empty(user: user), event: nil, delta: nil)
                }
                let before = Self.counts(counter, user: user)
                let events = try Self.eventChain(db, user: user, newest: counter[3])
                // For each row deleted, whether it was live.
                let deleted = try Self.deleteAllStatements.rows.flatMap { delete in
                    try Bool.fetchAll(db.cachedStatement(sql: delete), arguments: [now.milliseconds, user])
                }
                guard !deleted.isEmpty || events.contains(where: \.content) else {
                    return BulkOutcome(updated: 0, counts: before, event: nil, delta: nil)
                }
                let deleteEvent = try db.cachedStatement(sql: Self.deleteAllStatements.event)
                for event in events { try deleteEvent.execute(arguments: [event.pk]) }
                try db.run(sql: Self.deleteAllStatements.unlink, arguments: [user])
                let (counts, delta, event) = try Self.advance(
                    db, user: user, unread: -before.unread, unseen: -before.unseen, name: .reset, now: now,
                    data: EventPayload.snapshot)
                return BulkOutcome(updated: deleted.count { $0 }, counts: counts, event: event, delta: delta)
            }, completion: completion)
    }

    /// The statements of ``deleteAll(user:now:completion:)``:
    ///
    /// - `rows`: delete the user's notification rows, read and unread, expired and swept ones
    ///   included, returning for each whether it was live (arguments: the time expiry is checked
    ///   against, the user); one for each of the user's two indexes by pk (schema `v9`);
    /// - `event`: delete one event by pk;
    /// - `unlink`: the counters row no longer names a newest event (the `reset` appended next
    ///   starts a new chain).
    static let deleteAllStatements = (
        rows: byReadIndex { index, status in
            "DELETE FROM notification INDEXED BY \(index) WHERE user = ?2 AND \(status) RETURNING expires_at > ?1 AND swept_at IS NULL"
        },
        event: "DELETE FROM event WHERE pk = ?",
        unlink: "UPDATE user_counter SET last_event = NULL WHERE user = ?"
    )

    /// The user's retained events, newest first, from the newest (`newest`, the counters row's
    /// `last_event`) back along their links (``walkEvents(_:user:from:_:)``): their pks, and whether
    /// each carries content (any event but a `reset`).
    private static func eventChain(
        _ db: Database, user: String, newest: Int64?
    ) throws -> [(pk: Int64, content: Bool)] {
        var chain: [(pk: Int64, content: Bool)] = []
        try walkEvents(db, user: user, from: newest) { pk, _, name, _ in
            chain.append((pk, name != EventName.reset.rawValue))
            return true
        }
        return chain
    }

    public func markAllSeen(
        user: String, now: Timestamp, completion: @escaping @Sendable (Result<BulkOutcome, any Error>) -> Void
    ) {
        committer.write(
            { db in
                let state = try db.fetchRow(sql: Self.seenStatements.state, arguments: [user])
                let mark: Int64 = state?[3] ?? 0
                let stillUnseen = try Self.seenStatements.updates.flatMap { update in
                    try Bool.fetchAll(
                        db.cachedStatement(sql: update), arguments: [now.milliseconds, user, mark, now.milliseconds])
                }
                let updated = stillUnseen.count
                let unseenAmong = Int64(stillUnseen.count { $0 })
                let outcome: BulkOutcome
                if updated == 0 {
                    outcome = BulkOutcome(updated: 0, counts: Self.counts(state, user: user), event: nil, delta: nil)
                } else {
                    outcome = try Self.bulk(
                        db, user: user, updated: updated, unread: 0, unseen: -unseenAmong, name: .seen, now: now)
                }
                // After `bulk`, which made the counter row if it was missing.
                if let next = try db.fetchInt64(sql: Self.seenStatements.nextMark, arguments: [user, mark]), next > mark
                {
                    try db.run(sql: Self.seenStatements.advance, arguments: [next, user])
                }
                return outcome
            }, completion: completion)
    }

    /// Read-all's two statements: how many of the rows it changes are unseen and still count
    /// (unread, not archived), then the update, whose own values come before the count's arguments.
    typealias BulkStatements = (count: String, update: String)

    /// The statements of seen, which visits only the user's rows above its seen mark: every row of
    /// the user with a pk up to the mark is seen or swept, and nothing makes a row unseen again or
    /// unswept (schema `v7`).
    ///
    /// - `state`: the user's counters and mark;
    /// - `updates`: mark the live unseen rows above the mark seen (arguments: the time, the user,
    ///   the mark, the time expiry is checked against), returning for each whether it still
    ///   counted as unseen (unread, not archived); one for each of the user's two indexes by pk,
    ///   the unread rows' and the read rows' (schema `v9`). Reading a row also marks it seen, so
    ///   the second finds none unless a row was written otherwise, and then it is marked too;
    /// - `nextMark` (arguments: the user, the mark): just below the first row above the mark still
    ///   unseen and not swept — one an update skipped as expired, which a clock set back could make
    ///   live again — or else the user's newest pk, also past rows already read one by one;
    ///   `advance` stores it.
    ///
    /// The updates name their index: by the rowid they could visit every newer row of all users.
    static let seenStatements = (
        state: "SELECT unread, unseen, seq, seen_through FROM user_counter WHERE user = ?",
        updates: byReadIndex { index, status in
            """
            UPDATE notification INDEXED BY \(index) SET seen_at = ?
            WHERE user = ? AND pk > ? AND \(status) AND seen_at IS NULL AND expires_at > ? AND swept_at IS NULL
            RETURNING read_at IS NULL AND archived_at IS NULL
            """
        },
        nextMark: """
        SELECT COALESCE(
            (SELECT min(pk) - 1 FROM (\(firstStillUnseen.joined(separator: " UNION ALL ")))),
            (SELECT max(pk) FROM (\(newest.joined(separator: " UNION ALL ")))))
        """,
        advance: "UPDATE user_counter SET seen_through = ? WHERE user = ?"
    )

    /// For `nextMark`: the first row above the mark still unseen and not swept, in each index.
    private static let firstStillUnseen = byReadIndex { index, status in
        """
        SELECT min(pk) AS pk FROM notification INDEXED BY \(index)
        WHERE user = ?1 AND pk > ?2 AND \(status) AND seen_at IS NULL AND swept_at IS NULL
        """
    }

    /// For `nextMark`: the user's newest row in each index.
    private static let newest = byReadIndex { index, status in
        "SELECT max(pk) AS pk FROM notification INDEXED BY \(index) WHERE user = ?1 AND \(status)"
    }

    /// A statement for each of the user's two indexes by pk, from its name and the condition that
    /// selects its rows.
    private static func byReadIndex(_ statement: (_ index: String, _ status: String) -> String) -> [String] {
        [
            statement("notification_user_unread", "read_at IS NULL"),
            statement("notification_user_read", "read_at IS NOT NULL"),
        ]
    }

    /// ``BulkStatements`` of read-all, narrowed by the filter, and their arguments (the user, the time
    /// expiry is checked against, the filter's). They go by the index of the user's unread rows
    /// (schema `v6`): `unread` makes a read row unread again, so a mark like seen's would not hold.
    static func readAllStatements(
        user: String, now: Timestamp, filter: BulkFilter
    ) -> (BulkStatements, StatementArguments) {
        var condition = "user = ? AND read_at IS NULL AND archived_at IS NULL AND expires_at > ? AND swept_at IS NULL"
        var arguments: StatementArguments = [user, now.milliseconds]
        narrow(&condition, &arguments, type: filter.type, tag: filter.tag)
        let statements = (
            count: "SELECT COUNT(*) FROM notification WHERE \(condition) AND seen_at IS NULL",
            update: "UPDATE notification SET read_at = ?, seen_at = COALESCE(seen_at, ?) WHERE \(condition)"
        )
        return (statements, arguments)
    }

    private static func bulk(
        _ db: Database, user: String, updated: Int, unread: Int64, unseen: Int64, name: EventName, now: Timestamp
    ) throws -> BulkOutcome {
        guard updated > 0 else {
            return BulkOutcome(updated: 0, counts: try counts(db, user: user), event: nil, delta: nil)
        }
        let (counts, delta, event) = try advance(
            db, user: user, unread: unread, unseen: unseen, name: name, now: now
        ) { counts in EventPayload.bulk(updated: updated, counts: counts) }
        return BulkOutcome(updated: updated, counts: counts, event: event, delta: delta)
    }

    private static func remove(
        _ db: Database, _ notification: Notification, event name: EventName, now: Timestamp
    ) throws -> RemovalOutcome {
        try db.run(
            sql: "DELETE FROM notification WHERE user = ? AND id = ?", arguments: [notification.user, notification.id])
        return try removeFromCounts(db, notification, event: name, now: now)
    }

    /// Takes a notification out of the user's counters and appends its removal event.
    private static func removeFromCounts(
        _ db: Database, _ notification: Notification, event name: EventName, now: Timestamp
    ) throws -> RemovalOutcome {
        let (counts, delta, event) = try advance(
            db, user: notification.user, unread: -flag(notification.countsAsUnread),
            unseen: -flag(notification.countsAsUnseen), name: name, now: now
        ) { counts in EventPayload.removed(id: notification.id, counts: counts) }
        return RemovalOutcome(id: notification.id, counts: counts, event: event, delta: delta)
    }

    /// Adds the optional `type` and `tag` filters shared by read-all and list.
    private static func narrow(
        _ condition: inout String, _ arguments: inout StatementArguments, type: String?, tag: String?
    ) {
        if let type {
            condition += " AND type = ?"
            arguments += [type]
        }
        if let tag {
            condition += " AND EXISTS (SELECT 1 FROM json_each(notification.tags) WHERE json_each.value = ?)"
            arguments += [tag]
        }
    }

    // MARK: Counters and events

    private static func flag(_ value: Bool) -> Int64 { value ? 1 : 0 }

    /// Applies a counter change, takes the next seq and appends the event whose data `data` renders
    /// from the new counts, in the caller's transaction. The event links to the user's previous one
    /// and the counters row names the new one as the user's newest (schema `v10`).
    ///
    /// Reads the row, then writes the new values: an upsert with `RETURNING` made SQLite open and
    /// close a temporary B-tree for the returned row on every create (measured on the writer).
    static func advance(
        _ db: Database, user: String, unread: Int64, unseen: Int64, name: EventName, now: Timestamp,
        data: (Counts) -> String
    ) throws -> (counts: Counts, delta: CountsDelta, event: UserEvent) {
        var read = DirectBindings(try db.cachedStatement(sql: Self.counterRow))
        read.bind(user)
        var before: CounterRow?
        try read.forEachRow(in: db) { row in before = CounterRow(user: user, row, from: 0) }
        let counts = CounterRow.counts(after: before, user: user, unread: unread, unseen: unseen, events: 1)
        let event = UserEvent(user: user, seq: counts.seq, name: name, data: data(counts))
        var append = DirectBindings(try db.cachedStatement(sql: RowInserts.oneEvent))
        append.bindRow(of: event, at: now, pk: nil, prev: before?.lastEvent)
        try append.execute(in: db)
        let eventPK = db.lastInsertedRowID

        var write = DirectBindings(
            try db.cachedStatement(
                sql: before == nil
                    ? "INSERT INTO user_counter (unread, unseen, seq, last_event, user) VALUES (?, ?, ?, ?, ?)"
                    : "UPDATE user_counter SET unread = ?, unseen = ?, seq = ?, last_event = ? WHERE user = ?"))
        write.bind(counts.unread)
        write.bind(counts.unseen)
        write.bind(counts.seq)
        write.bind(eventPK)
        write.bind(user)
        try write.execute(in: db)
        let delta = CountsDelta(user: user, unread: unread, unseen: unseen, events: 1, seqAfter: counts.seq)
        return (counts, delta, event)
    }

    /// Sets `user`'s seq to `seq` and appends a `reset` event after it (counts kept; a user
    /// without a row gets one with none), in the caller's transaction. The reset starts the user's
    /// chain of events anew, so a catch-up from any earlier seq reads a gap, which is a `reset`.
    /// Used where seqs up to `seq` may have named events the database no longer has: a restored
    /// backup, a start after a power loss.
    static func restartEvents(_ db: Database, user: String, after seq: Int64, now: Timestamp) throws {
        var move = DirectBindings(
            try db.cachedStatement(
                sql: """
                    INSERT INTO user_counter (user, unread, unseen, seq, last_event) VALUES (?, 0, 0, ?, NULL)
                    ON CONFLICT (user) DO UPDATE SET seq = excluded.seq, last_event = NULL
                    """))
        move.bind(user)
        move.bind(seq)
        try move.execute(in: db)
        _ = try advance(db, user: user, unread: 0, unseen: 0, name: .reset, now: now, data: EventPayload.snapshot)
    }

    /// At most `limit` counters rows whose users' ids sort after `user`, in the order of their ids:
    /// each row's user and seq. Fewer than `limit`: the last page. What moves every user's seq
    /// (after a power loss, in a restore) reads, a page at a time.
    static func counterPage(_ db: Database, after user: String, limit: Int) throws -> [(user: String, seq: Int64)] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT user, seq FROM user_counter WHERE user > ? ORDER BY user LIMIT ?"),
            arguments: [user, limit]
        ).map { (row: Row) -> (user: String, seq: Int64) in (row[0], row[1]) }
    }

    /// `user`'s counts as the counters row holds them (none: zero, seq 0).
    static func counts(_ db: Database, user: String) throws -> Counts {
        counts(
            try db.fetchRow(sql: Self.counterRow, arguments: [user]),
            user: user)
    }

    /// A user's counters row: unread, unseen, seq (the columns ``counts(_:user:)`` reads), and the
    /// pk of the user's newest event.
    private static let counterRow = "SELECT unread, unseen, seq, last_event FROM user_counter WHERE user = ?"

    /// The counts in a `user_counter` row whose first columns are unread, unseen and seq; no row is
    /// a user with none.
    private static func counts(_ row: Row?, user: String) -> Counts {
        guard let row else { return .empty(user: user) }
        return Counts(user: user, unread: row[0], unseen: row[1], seq: row[2])
    }

    private static func fetchRow(_ db: Database, user: String, id: String) throws -> NotificationRow.Decoded? {
        try NotificationRow.fetch(
            db, sql: "SELECT \(NotificationRow.columns) FROM notification WHERE user = ? AND id = ?",
            arguments: [user, id]
        ).rows.first
    }

    /// The notification unless it is missing or expired (expired behaves as deleted). A swept row
    /// stays gone even when the clock is set back before its expiry: it left the counts when it
    /// was swept.
    private static func fetchLive(
        _ db: Database, user: String, id: String, now: Timestamp
    ) throws -> (
        pk: Int64, notification: Notification
    )? {
        guard let found = try fetchRow(db, user: user, id: id), !found.isSwept, found.notification.expiresAt > now
        else { return nil }
        return (found.pk, found.notification)
    }

    // MARK: Reads

    /// Runs a read on a pool thread with GRDB's blocking API, which reads right there: the async
    /// API would wake a dispatch worker thread for every read.
    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let pool = self.pool
        return try await threads.runIfActive { try pool.read(body) }
    }

    /// Runs a read of one statement on a pool thread, outside a transaction, and hands its result
    /// to `completion` there: SQLite reads a statement from one snapshot of the database (until
    /// the statement is reset, which every read here does once it is done), and GRDB's `read`
    /// wraps every read in `BEGIN` and `COMMIT`, 6% of the server's CPU under lists (`perf`).
    private func readOneStatement<T: Sendable>(
        completion: @escaping @Sendable (Result<T, any Error>) -> Void,
        _ body: @escaping @Sendable (Database) throws -> T
    ) {
        readOnPool(completion: completion) { pool in try pool.unsafeRead(body) }
    }

    /// Runs `read` with the pool on a pool thread and hands its result to `completion` there.
    private func readOnPool<T: Sendable>(
        completion: @escaping @Sendable (Result<T, any Error>) -> Void,
        _ read: @escaping @Sendable (DatabasePool) throws -> T
    ) {
        let pool = self.pool
        threads.submit { state in
            guard case .active = state else { return completion(.failure(CancellationError())) }
            completion(Result { try read(pool) })
        }
    }

    public func counts(user: String, completion: @escaping @Sendable (Result<Counts, any Error>) -> Void) {
        readOneStatement(completion: completion) { db in try Self.counts(db, user: user) }
    }

    public func notification(
        user: String, id: String, now: Timestamp,
        completion: @escaping @Sendable (Result<HeraldCore.Notification?, any Error>) -> Void
    ) {
        readOneStatement(completion: completion) { db in
            try Self.fetchLive(db, user: user, id: id, now: now)?.notification
        }
    }

    public func list(
        _ query: NotificationQuery, now: Timestamp,
        completion: @escaping @Sendable (Result<NotificationPage, any Error>) -> Void
    ) {
        readOneStatement(completion: completion) { db in
            let (sql, arguments) = Self.listStatement(query, now: now)
            let (rows, more) = try NotificationRow.fetch(db, sql: sql, arguments: arguments, limit: query.limit)
            return NotificationPage(notifications: rows.map(\.notification), nextPosition: more ? rows.last?.pk : nil)
        }
    }

    /// A list's statement, newest first and one row past the page (which tells whether another
    /// follows), and its arguments. Every row of a user is in one of two indexes by (user, pk), the
    /// unread rows' and the read rows' (schema `v9`): a list of one status reads its index in
    /// order, and a list of all merges the two, each read in order, up to the page's end.
    static func listStatement(_ query: NotificationQuery, now: Timestamp) -> (String, StatementArguments) {
        var condition = "user = ? AND expires_at > ? AND swept_at IS NULL"
        var arguments: StatementArguments = [query.user, now.milliseconds]
        condition += query.archived ? " AND archived_at IS NOT NULL" : " AND archived_at IS NULL"
        narrow(&condition, &arguments, type: query.type, tag: query.tag)
        if let after = query.after {
            condition += " AND pk < ?"
            arguments += [after]
        }
        let select = "SELECT \(NotificationRow.columns) FROM notification WHERE \(condition)"
        let unread = select + " AND read_at IS NULL"
        let read = select + " AND read_at IS NOT NULL"
        let rows: String
        switch query.status {
        case .unread: rows = unread
        case .read: rows = read
        case .all:
            rows = unread + " UNION ALL " + read
            arguments += arguments
        }
        return (rows + " ORDER BY pk DESC LIMIT ?", arguments + [query.limit + 1])
    }

    /// Up to `limit` retained events with `seq > after`, in order, as ``events(_:user:after:limit:)``
    /// walks them (for tools and tests; streams read them with their counts, ``streamRead(user:after:limit:completion:)``).
    public func events(user: String, after seq: Int64, limit: Int) async throws -> [UserEvent] {
        try await read { db in try Self.events(db, user: user, after: seq, limit: limit) }
    }

    public func streamRead(
        user: String, after seq: Int64?, limit: Int,
        completion: @escaping @Sendable (Result<StreamRead, any Error>) -> Void
    ) {
        guard let seq else {
            return readOneStatement(completion: completion) { db in
                StreamRead(counts: try Self.counts(db, user: user), events: [])
            }
        }
        // The counts and the events in one transaction: one snapshot.
        readOnPool(completion: completion) { pool in
            try pool.read { db in
                let counts = try Self.counts(db, user: user)
                let events = seq < counts.seq ? try Self.events(db, user: user, after: seq, limit: limit) : []
                return StreamRead(counts: counts, events: events)
            }
        }
    }

    /// The user's retained events after `seq`, in order, at most `limit`. Each event names its
    /// user's previous one (`prev`), and only every 64th event of a user is indexed (schema
    /// `v10`): the walk starts at the first indexed event at or above the page's last seq, or at
    /// the user's newest, and steps back one event at a time to `seq`, reading at most `limit` + 63
    /// rows. It stops at a link that does not lead to the user's event one seq lower (the event was
    /// pruned, and its pk possibly taken again since): what it found then starts past `seq + 1`,
    /// or, when every event it found was past the page, it returns the lowest of them, so that a
    /// gap always reads as one.
    static func events(_ db: Database, user: String, after seq: Int64, limit: Int) throws -> [UserEvent] {
        guard limit > 0 else { return [] }
        let (sum, overflow) = seq.addingReportingOverflow(Int64(limit))
        let last = overflow ? Int64.max : sum
        let start =
            try db.fetchInt64(sql: eventStatements.mark, arguments: [user, last])
            ?? db.fetchInt64(sql: eventStatements.newest, arguments: [user])
        var found: [UserEvent] = []
        var lowest: UserEvent?
        var lowestSeq: Int64?
        try walkEvents(db, user: user, from: start) { _, eventSeq, rawName, data in
            guard eventSeq > seq else { return false }
            lowestSeq = eventSeq
            guard let name = EventName(rawValue: rawName) else { return true }
            let event = UserEvent(user: user, seq: eventSeq, name: name, data: data)
            if eventSeq <= last { found.append(event) } else { lowest = event }
            return true
        }
        if found.isEmpty, lowestSeq.map({ $0 > seq + 1 }) == true, let lowest { return [lowest] }
        return found.reversed()
    }

    /// Walks `user`'s events back from the one at `start` along their links (`prev`, schema `v10`),
    /// handing each to `visit` (its pk, seq, name and data) until `visit` returns false. It stops at
    /// a link that does not lead to the user's event one seq lower at a lower pk: that event was
    /// pruned or deleted, and its pk possibly taken again since.
    private static func walkEvents(
        _ db: Database, user: String, from start: Int64?,
        _ visit: (_ pk: Int64, _ seq: Int64, _ name: String, _ data: String) throws -> Bool
    ) throws {
        let step = try db.cachedStatement(sql: eventStatements.step)
        var below: (pk: Int64, seq: Int64)?
        var next = start
        while let pk = next {
            // One statement run per step, its values read straight from SQLite (through GRDB's
            // rows a catch-up took about twice as long as the range scan of the old index).
            var read = DirectBindings(step)
            read.bind(pk)
            var row: (user: String, seq: Int64, name: String, data: String, prev: Int64?)?
            try read.forEachRow(in: db) { columns in
                row = (
                    columns.string(0), columns.int64(1), columns.string(2), columns.string(3),
                    columns.optionalInt64(4)
                )
            }
            guard let row, row.user == user else { return }
            if let below, pk >= below.pk || row.seq != below.seq - 1 { return }
            guard try visit(pk, row.seq, row.name, row.data) else { return }
            below = (pk, row.seq)
            next = row.prev
        }
    }

    /// The statements of ``events(_:user:after:limit:)``: the first indexed event at or above a seq
    /// (the user, the seq; its condition must read as the index's, `seq % 64 = 0`), the user's
    /// newest event, and one step back (the event's user, seq, name, data and previous pk).
    static let eventStatements = (
        mark: """
        SELECT pk FROM event INDEXED BY event_user_mark
        WHERE user = ? AND seq % 64 = 0 AND seq >= ? ORDER BY seq LIMIT 1
        """,
        newest: "SELECT last_event FROM user_counter WHERE user = ?",
        step: "SELECT user, seq, name, data, prev FROM event WHERE pk = ?"
    )

    /// The statements of ``pruneEvents(createdBefore:)``, which deletes, in arrival (pk) order,
    /// the events before the oldest one created at or after the cutoff: it walks the log from its
    /// start and stops at the first event to keep, so it visits only the rows it deletes, with no
    /// index by creation time to write for every event (schema `v8`). Creation times follow
    /// arrival order but for the moments a write waits for the writer; an older event behind a
    /// newer one stays until the next prune, and no event newer than the cutoff is ever deleted.
    ///
    /// - `due`: whether the log's first event is older than the cutoff (`?1`): NULL when the log
    ///   is empty;
    /// - `start`: the first pk at or after a position (`?1`), where a step starts;
    /// - `kept`: the first event to keep among the pks from `?1` up to `?2` (excluded), created at
    ///   or after `?3`;
    /// - `delete`: the events from pk `?1` up to `?2`, excluded.
    static let pruneStatements = (
        due: "SELECT created_at < ?1 FROM event ORDER BY pk LIMIT 1",
        start: "SELECT min(pk) FROM event WHERE pk >= ?1",
        kept: "SELECT pk FROM event WHERE pk >= ?1 AND pk < ?2 AND created_at >= ?3 ORDER BY pk LIMIT 1",
        delete: "DELETE FROM event WHERE pk >= ?1 AND pk < ?2"
    )

    /// Walks and deletes at most ``upkeepRows`` pks a transaction, paced (see
    /// ``upkeep(from:_:)``), each step from the first pk left after the last (the gaps deletions
    /// left are skipped), until it meets an event to keep or the log's end. Nothing is written
    /// when the first event is not due.
    public func pruneEvents(createdBefore cutoff: Timestamp) async throws -> Int {
        let due = try await read { db in
            try Bool.fetchOne(db.cachedStatement(sql: Self.pruneStatements.due), arguments: [cutoff.milliseconds])
        }
        guard due == true else { return 0 }
        let rows = Int64(upkeepRows)
        return try await upkeep(from: Int64.min) { db, position in
            guard let from = try db.fetchInt64(sql: Self.pruneStatements.start, arguments: [position]) else {
                return (0, nil)
            }
            let upTo = from < Int64.max - rows ? from + rows : Int64.max
            let kept = try db.fetchInt64(
                sql: Self.pruneStatements.kept, arguments: [from, upTo, cutoff.milliseconds])
            try db.run(sql: Self.pruneStatements.delete, arguments: [from, kept ?? upTo])
            return (db.changesCount, kept == nil && upTo < Int64.max ? upTo : nil)
        }
    }

    /// Runs `step` in one transaction after another, each from where the last one said to go on,
    /// until one says it is done (`next` nil) or the task is cancelled (a stopping server: the
    /// rest is left for the next run); returns the rows they deleted. After each, it waits
    /// as long as that one took (its wait for the writer included), so that the upkeep takes at
    /// most about half of the writer's time, less while other writes wait, and the checkpointer
    /// keeps up with the WAL: 317,000 old events pruned back to back held a create up to 18-32 ms
    /// once (the WAL outgrew the checkpoints), paced 7-18 ms, and 2-9 ms any other second.
    private func upkeep<Position: Sendable>(
        from start: Position,
        _ step: @escaping @Sendable (Database, Position) throws -> (deleted: Int, next: Position?)
    ) async throws -> Int {
        var position = start
        var deleted = 0
        while true {
            let began = ContinuousClock.now
            let (count, next) = try await committer.write { [position] db in try step(db, position) }
            deleted += count
            guard let next else { return deleted }
            position = next
            try? await Task.sleep(for: began.duration(to: .now))
            if Task.isCancelled { return deleted }
        }
    }

    public func ping() async -> Bool {
        (try? await read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    // MARK: Stopping

    /// Removes the run's mark (``SessionMarker``) and syncs the WAL, after every write submitted
    /// before: the next start knows this run lost nothing. Call once the server takes no more
    /// writes; one that comes after runs as before but leaves no mark, so a power loss after it
    /// goes unnoticed.
    public func stopCleanly() async throws {
        try await committer.write { db in try SessionMarker.clear(db) }
        let pool = self.pool
        let unsynced = self.unsynced
        try await writer.runIfActive {
            try pool.writeWithoutTransaction { db in
                try UnsyncedChanges.syncWAL(db, recordingIn: unsynced)
            }
        }
    }

    // MARK: Cache generation

    public func bumpCacheGeneration() async throws -> Int64 {
        try await committer.write { db in
            try db.fetchInt64(
                sql: """
                    INSERT INTO meta (key, value) VALUES ('cache_generation', 1)
                    ON CONFLICT (key) DO UPDATE SET value = value + 1
                    RETURNING value
                    """) ?? 1
        }
    }

    // MARK: Token revocations

    public func tokenRevocations() async throws -> [String: Int64] {
        try await read { db in
            var revocations: [String: Int64] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT user, through FROM token_revocation")
            while let row = try rows.next() { revocations[row[0]] = row[1] }
            return revocations
        }
    }

    public func revokeTokens(user: String, through: Int64) async throws -> Int64 {
        try await committer.write { db in
            try db.fetchInt64(
                sql: """
                    INSERT INTO token_revocation (user, through) VALUES (?, ?)
                    ON CONFLICT (user) DO UPDATE SET through = max(through, excluded.through)
                    RETURNING through
                    """, arguments: [user, through]) ?? through
        }
    }
}
