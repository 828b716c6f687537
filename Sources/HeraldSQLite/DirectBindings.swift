import GRDB
import GRDBSQLite
import HeraldCore

/// Runs a prepared statement with its values bound straight through SQLite's C API, for the
/// statements every create runs (one row each, or many in ``BulkCreate``): GRDB's
/// `StatementArguments` box every value in an existential and convert it again to bind it, which
/// under batches cost the writer thread more than SQLite's own work on the rows.
struct DirectBindings {
    private let statement: SQLiteStatement
    private var index: CInt = 1
    /// The first bind that failed (SQLite refuses a value only past its size limits).
    private var failure = SQLITE_OK

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Resets `statement` for new values.
    init(_ statement: Statement) {
        self.statement = statement.sqliteStatement
        sqlite3_reset(self.statement)
    }

    /// Binds `arguments` through GRDB, which checks that they fit the statement: for statements
    /// whose values vary in number (a list's filters). Its rows are then read straight from
    /// SQLite (``forEachRow(in:_:)``).
    init(_ statement: Statement, arguments: StatementArguments) throws {
        try statement.setArguments(arguments)
        self.statement = statement.sqliteStatement
        index = sqlite3_bind_parameter_count(self.statement) + 1
    }

    mutating func bind(_ value: String) {
        var value = value
        let code = value.withUTF8 { bytes in
            sqlite3_bind_text(statement, index, bytes.baseAddress, CInt(bytes.count), Self.transient)
        }
        bound(code)
    }

    mutating func bind(_ value: String?) {
        guard let value else { return bound(sqlite3_bind_null(statement, index)) }
        bind(value)
    }

    mutating func bind(_ value: Int64?) {
        guard let value else { return bound(sqlite3_bind_null(statement, index)) }
        bind(value)
    }

    mutating func bind(_ value: Int64) {
        bound(sqlite3_bind_int64(statement, index, value))
    }

    private mutating func bound(_ code: CInt) {
        if code != SQLITE_OK, failure == SQLITE_OK { failure = code }
        index += 1
    }

    /// Steps the statement to its end; throws SQLite's error.
    func execute(in db: Database) throws {
        try forEachRow(in: db) { _ in }
    }

    /// Steps the statement to its end, handing each row it returns to `body`; throws SQLite's error,
    /// or a misuse error when not every parameter got a value (one left over from the statement's
    /// last run would be used otherwise).
    func forEachRow(in db: Database, _ body: (Row) throws -> Void) throws {
        guard failure == SQLITE_OK, index - 1 == sqlite3_bind_parameter_count(statement) else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: failure == SQLITE_OK ? SQLITE_MISUSE : failure),
                message: "\(index - 1) values bound, \(sqlite3_bind_parameter_count(statement)) parameters")
        }
        defer { sqlite3_reset(statement) }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_DONE:
                return
            case SQLITE_ROW:
                try body(Row(statement))
            case let code:
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
        }
    }

    /// The current row of a statement being stepped.
    struct Row {
        fileprivate let statement: SQLiteStatement

        fileprivate init(_ statement: SQLiteStatement) { self.statement = statement }

        func string(_ column: CInt) -> String {
            guard let text = sqlite3_column_text(statement, column) else { return "" }
            let count = Int(sqlite3_column_bytes(statement, column))
            return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
        }

        /// The column's text, nil for NULL.
        func optionalString(_ column: CInt) -> String? {
            sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : string(column)
        }

        func int64(_ column: CInt) -> Int64 {
            sqlite3_column_int64(statement, column)
        }

        /// The column's integer, nil for NULL.
        func optionalInt64(_ column: CInt) -> Int64? {
            sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
        }
    }
}

extension DirectBindings {
    /// The nine values of a `notification` row: user, id, type, title, body, data, tags,
    /// created_at, expires_at.
    mutating func bindRow(of create: PreparedCreate) {
        let notification = create.notification
        bind(notification.user)
        bind(notification.id)
        bind(notification.type)
        bind(notification.title)
        bind(notification.body)
        bind(notification.data.json)
        bind(create.tagsJSON)
        bind(notification.createdAt.milliseconds)
        bind(notification.expiresAt.milliseconds)
    }

    /// The seven values of an `event` row: pk (nil: SQLite's next), user, seq, name, data,
    /// created_at, prev (the pk of the user's previous event, nil if none is retained).
    mutating func bindRow(of event: UserEvent, at now: Timestamp, pk: Int64?, prev: Int64?) {
        bind(pk)
        bind(event.user)
        bind(event.seq)
        bind(event.name.rawValue)
        bind(event.data)
        bind(now.milliseconds)
        bind(prev)
    }
}
