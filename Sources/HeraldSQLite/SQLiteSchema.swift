import GRDB

/// The database schema, as GRDB migrations. Migrations only ever get appended.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE notification (
                        pk INTEGER PRIMARY KEY AUTOINCREMENT,
                        user TEXT NOT NULL,
                        id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        title TEXT,
                        body TEXT,
                        data TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        read_at INTEGER,
                        seen_at INTEGER,
                        archived_at INTEGER,
                        UNIQUE (user, id)
                    );
                    CREATE INDEX notification_user_pk ON notification (user, pk);
                    CREATE INDEX notification_expires_at ON notification (expires_at);
                    CREATE TABLE user_counter (
                        user TEXT PRIMARY KEY,
                        unread INTEGER NOT NULL,
                        unseen INTEGER NOT NULL,
                        seq INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE event (
                        user TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        data TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (user, seq)
                    ) WITHOUT ROWID;
                    CREATE INDEX event_created_at ON event (created_at);
                    CREATE TABLE meta (
                        key TEXT PRIMARY KEY,
                        value INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-swept-expired") { db in
            // Expired rows are marked swept (counts adjusted, event sent) and kept for the configured
            // retention before they are purged.
            try db.execute(
                sql: """
                    ALTER TABLE notification ADD COLUMN swept_at INTEGER;
                    DROP INDEX notification_expires_at;
                    CREATE INDEX notification_unswept_expiry ON notification (expires_at) WHERE swept_at IS NULL;
                    CREATE INDEX notification_swept_at ON notification (swept_at) WHERE swept_at IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v3-event-in-arrival-order") { db in
            // Events were a WITHOUT ROWID table keyed by (user, seq): every event, ~400 bytes with
            // a created notification in it, went into the middle of the tree where its user's rows
            // sit, so concurrent writes for different users each dirtied (and often split) a page
            // of their own, and every dirty page is a WAL frame and a checkpoint copy. Rows now go
            // at the end in commit order, on pages a group transaction shares; only the small
            // (user, seq) index entry lands where the user's entries are.
            try db.execute(
                sql: """
                    ALTER TABLE event RENAME TO event_v2;
                    DROP INDEX event_created_at;
                    CREATE TABLE event (
                        pk INTEGER PRIMARY KEY,
                        user TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        data TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    INSERT INTO event (user, seq, name, data, created_at)
                        SELECT user, seq, name, data, created_at FROM event_v2 ORDER BY created_at, user, seq;
                    DROP TABLE event_v2;
                    CREATE UNIQUE INDEX event_user_seq ON event (user, seq);
                    CREATE INDEX event_created_at ON event (created_at);
                    """)
        }
        migrator.registerMigration("v4-notification-id-first") { db in
            // The uniqueness of (user, id) moves to an (id, user) index: server-made ids are
            // version 7 UUIDs, ordered by time, so their entries now go at the index's end rather
            // than one page per user anywhere in it. SQLite cannot drop a table's UNIQUE
            // constraint, so the table is rebuilt, keeping every pk and the AUTOINCREMENT high-water
            // mark (a deleted newest row's pk is still never reused). The new table is spelled out
            // as v1 and v2 left it, less the constraint: a migration is frozen history, so it shares
            // no text with the earlier ones that a later edit could change.
            try db.execute(
                sql: """
                    ALTER TABLE notification RENAME TO notification_v3;
                    DROP INDEX notification_user_pk;
                    DROP INDEX notification_unswept_expiry;
                    DROP INDEX notification_swept_at;
                    CREATE TABLE notification (
                        pk INTEGER PRIMARY KEY AUTOINCREMENT,
                        user TEXT NOT NULL,
                        id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        title TEXT,
                        body TEXT,
                        data TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        read_at INTEGER,
                        seen_at INTEGER,
                        archived_at INTEGER,
                        swept_at INTEGER
                    );
                    INSERT INTO notification
                        SELECT pk, user, id, type, title, body, data, tags, created_at, expires_at, read_at,
                            seen_at, archived_at, swept_at
                        FROM notification_v3 ORDER BY pk;
                    DELETE FROM sqlite_sequence WHERE name = 'notification';
                    UPDATE sqlite_sequence SET name = 'notification' WHERE name = 'notification_v3';
                    DROP TABLE notification_v3;
                    CREATE UNIQUE INDEX notification_id_user ON notification (id, user);
                    CREATE INDEX notification_user_pk ON notification (user, pk);
                    CREATE INDEX notification_unswept_expiry ON notification (expires_at) WHERE swept_at IS NULL;
                    CREATE INDEX notification_swept_at ON notification (swept_at) WHERE swept_at IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5-unseen-and-unread-indexes") { db in
            // Seen and read-all visit only the rows they change: they scanned every live
            // notification of the user twice (a count, then the update), 9-13 ms on the one writer
            // for a user with 20,000 even when nothing was left to mark, holding up every write.
            try db.execute(
                sql: """
                    CREATE INDEX notification_user_unseen ON notification (user, expires_at) WHERE seen_at IS NULL;
                    CREATE INDEX notification_user_unread ON notification (user, expires_at) WHERE read_at IS NULL;
                    """)
        }
        migrator.registerMigration("v6-unseen-and-unread-by-pk") { db in
            // v5's indexes, ordered by expiry, made a list of unread notifications read every unread
            // row of the user and sort them before its first page. Ordered by pk they serve that page
            // in order, and seen and read-all still visit only the rows they change.
            try db.execute(
                sql: """
                    DROP INDEX notification_user_unseen;
                    DROP INDEX notification_user_unread;
                    CREATE INDEX notification_user_unseen ON notification (user, pk) WHERE seen_at IS NULL;
                    CREATE INDEX notification_user_unread ON notification (user, pk) WHERE read_at IS NULL;
                    """)
        }
        migrator.registerMigration("v7-seen-through-mark") { db in
            // Nothing makes a notification unseen again, so a seen can leave a mark: every live row
            // of the user up to `seen_through` (a pk) is seen, and the next seen visits only the
            // rows above it through (user, pk). The unseen index, one more entry to write for every
            // notification created, seen or read, goes. 0 (no mark yet) makes the first seen of a
            // user visit all its rows once.
            try db.execute(
                sql: """
                    ALTER TABLE user_counter ADD COLUMN seen_through INTEGER NOT NULL DEFAULT 0;
                    DROP INDEX notification_user_unseen;
                    """)
        }
        migrator.registerMigration("v8-events-pruned-in-arrival-order") { db in
            // Pruning walks the log from its oldest row (see `SQLiteStore.pruneStatements`), which
            // only ever visits the rows it deletes, so the index by creation time, one more entry
            // for every event written, goes.
            try db.execute(sql: "DROP INDEX event_created_at")
        }
        migrator.registerMigration("v9-read-rows-indexed-apart") { db in
            // Every row of a user sat in two indexes by (user, pk), all of them and the unread ones,
            // so a create wrote an entry in each: two B-tree leaves wherever the user's entries are,
            // each a WAL frame to write and a page to copy back (dropping one of them: single creates
            // through the store alone +10-15%, batches +7-20%). The read rows get the second index
            // instead: each row is in exactly one of the two, a create writes one entry, and a list
            // of all a user's rows merges the two in pk order (see `SQLiteStore.list`).
            try db.execute(
                sql: """
                    DROP INDEX notification_user_pk;
                    CREATE INDEX notification_user_read ON notification (user, pk) WHERE read_at IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v10-event-chains") { db in
            // The event log's index by (user, seq) took an entry in a B-tree leaf wherever the
            // user's entries are for every event (a throwaway build without it: +27% single creates
            // through the store alone). Now each event links to its user's previous one (`prev`, a
            // pk), the counters row names the user's newest (`last_event`), and only every 64th
            // event of a user is indexed: a catch-up starts at the first such mark at or above the
            // end of its page, or at the newest, and walks back (see `SQLiteStore.events`). Links
            // of the existing rows come from the old index, before it goes; a pruned neighbour
            // leaves no link, as the walk expects.
            try db.execute(
                sql: """
                    ALTER TABLE event ADD COLUMN prev INTEGER;
                    UPDATE event SET prev = (
                        SELECT earlier.pk FROM event AS earlier
                        WHERE earlier.user = event.user AND earlier.seq = event.seq - 1);
                    ALTER TABLE user_counter ADD COLUMN last_event INTEGER;
                    UPDATE user_counter SET last_event = (
                        SELECT pk FROM event WHERE event.user = user_counter.user AND event.seq = user_counter.seq);
                    DROP INDEX event_user_seq;
                    CREATE INDEX event_user_mark ON event (user, seq) WHERE seq % 64 = 0;
                    """)
        }
        migrator.registerMigration("v11-token-revocations") { db in
            // A user's tokens issued (`iat`) in or before the second `through` are refused
            // (`DELETE /v1/users/{user}/tokens`). One row per user who ever revoked; read whole at
            // start-up.
            try db.execute(
                sql: """
                    CREATE TABLE token_revocation (
                        user TEXT PRIMARY KEY,
                        through INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }
}
