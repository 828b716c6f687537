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
        return migrator
    }
}
