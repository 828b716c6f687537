import CLibMemcached

#if canImport(Glibc)
import Glibc
#endif

/// One borrowed libmemcached handle. Every method blocks the calling thread.
///
/// Only ``MemcachedConnectionPool/withConnection(_:)`` creates one, and it never outlives that call.
struct MemcachedConnection {
    let handle: UnsafeMutablePointer<memcached_st>

    static let maximumKeyLength = 250

    static func validate(_ key: String) throws(MemcachedError) {
        let bytes = key.utf8
        guard !bytes.isEmpty, bytes.count <= maximumKeyLength,
            !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else {
            throw MemcachedError(code: .invalidKey, message: "invalid memcached key")
        }
    }

    static func error(
        _ rc: memcached_return_t,
        _ handle: UnsafeMutablePointer<memcached_st>,
        context: String
    ) -> MemcachedError {
        let code: MemcachedError.Code
        switch rc {
        case MEMCACHED_CONNECTION_FAILURE, MEMCACHED_HOST_LOOKUP_FAILURE, MEMCACHED_WRITE_FAILURE,
            MEMCACHED_READ_FAILURE, MEMCACHED_ERRNO, MEMCACHED_CONNECTION_SOCKET_CREATE_FAILURE:
            code = .connectionFailure
        case MEMCACHED_TIMEOUT:
            code = .timeout
        case MEMCACHED_SERVER_MARKED_DEAD, MEMCACHED_SERVER_TEMPORARILY_DISABLED, MEMCACHED_SOME_ERRORS:
            code = .serverUnavailable
        case MEMCACHED_NO_SERVERS:
            code = .noServers
        case MEMCACHED_BAD_KEY_PROVIDED, MEMCACHED_KEY_TOO_BIG, MEMCACHED_NO_KEY_PROVIDED:
            code = .invalidKey
        case MEMCACHED_E2BIG:
            code = .valueTooLarge
        case MEMCACHED_PROTOCOL_ERROR, MEMCACHED_PARTIAL_READ, MEMCACHED_UNKNOWN_READ_FAILURE:
            code = .protocolError
        case MEMCACHED_SERVER_ERROR, MEMCACHED_SERVER_MEMORY_ALLOCATION_FAILURE:
            code = .serverError
        case MEMCACHED_INVALID_ARGUMENTS, MEMCACHED_INVALID_HOST_PROTOCOL:
            code = .invalidConfiguration
        default:
            code = .other
        }
        let detail = memcached_last_error_message(handle).map { String(cString: $0) } ?? ""
        let name = memcached_strerror(handle, rc).map { String(cString: $0) } ?? "rc \(rc.rawValue)"
        return MemcachedError(
            code: code,
            returnCode: Int32(rc.rawValue),
            message: "\(context): \(name)\(detail.isEmpty ? "" : " (\(detail))")"
        )
    }

    private func fail(_ rc: memcached_return_t, _ context: String) -> MemcachedError {
        Self.error(rc, handle, context: context)
    }

    func getMultiple(_ keys: [String]) throws(MemcachedError) -> [String: MemcachedItem] {
        var items: [String: MemcachedItem] = [:]
        try getMultiple(keys) { index, value, flags, cas in
            items[keys[index]] = MemcachedItem(value: Array(value), flags: flags, cas: cas)
        }
        return items
    }

    /// One multi-get that hands each value found to `found` with the index of its key in `keys`,
    /// its flags and CAS, without keeping a copy: `value` is valid only during the call. Keys
    /// answered are matched to `keys` by their bytes, in the order asked first (one server
    /// answers in that order), each index at most once. The replies are drained even past an
    /// error, which is thrown only when nothing was found, or, when `strict`, in any case.
    func getMultiple(
        _ keys: [String], strict: Bool = false,
        found: (_ index: Int, _ value: UnsafeRawBufferPointer, _ flags: UInt32, _ cas: UInt64) -> Void
    ) throws(MemcachedError) {
        guard !keys.isEmpty else { return }
        for key in keys { try Self.validate(key) }
        // All keys in one buffer (libmemcached copies them into its request before returning).
        var text: [UInt8] = []
        text.reserveCapacity(keys.reduce(0) { $0 + $1.utf8.count })
        // Where each key starts in `text`, and its length: for the request and to match answers.
        var starts: [Int] = []
        starts.reserveCapacity(keys.count)
        var lengths: [Int] = []
        lengths.reserveCapacity(keys.count)
        for key in keys {
            starts.append(text.count)
            text.append(contentsOf: key.utf8)  // one copy from the string's contiguous bytes
            lengths.append(key.utf8.count)
        }
        let rc = text.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { buffer in
                let pointers = starts.map { start -> UnsafePointer<CChar>? in buffer.baseAddress! + start }
                return memcached_mget(handle, pointers, lengths, keys.count)
            }
        }
        guard rc == MEMCACHED_SUCCESS else { throw fail(rc, "mget") }
        var next = 0
        // A key asked twice is answered twice: each answer goes to an index not answered yet.
        var answered = [Bool](repeating: false, count: keys.count)
        try fetchResults(strict: strict) { key, value, flags, cas in
            // The key asked next, else any other with these bytes.
            func matches(_ index: Int) -> Bool {
                guard !answered[index], lengths[index] == key.count else { return false }
                return text.withUnsafeBytes { memcmp($0.baseAddress! + starts[index], key.baseAddress!, key.count) }
                    == 0
            }
            guard let index = matches(next) ? next : keys.indices.first(where: matches) else { return }
            answered[index] = true
            next = index + 1 < keys.count ? index + 1 : 0
            found(index, value, flags, cas)
        }
    }

    /// Reads every result of a multi-get into one reused result (libmemcached would otherwise
    /// allocate one per value), draining the replies even past an error.
    private func fetchResults(
        strict: Bool,
        _ each: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ flags: UInt32, _ cas: UInt64) -> Void
    ) throws(MemcachedError) {
        let result = UnsafeMutablePointer<memcached_result_st>.allocate(capacity: 1)
        result.initialize(to: memcached_result_st())
        // Not allocated by libmemcached, so it only resets the value at the end: free it here.
        memcached_result_create(handle, result)
        defer {
            memcached_result_free(result)
            result.deallocate()
        }
        var anyFound = false
        var firstError: MemcachedError?
        while true {
            var fetchRC = MEMCACHED_SUCCESS
            guard memcached_fetch_result(handle, result, &fetchRC) != nil else {
                if fetchRC != MEMCACHED_END && fetchRC != MEMCACHED_NOTFOUND && fetchRC != MEMCACHED_SUCCESS {
                    firstError = firstError ?? fail(fetchRC, "fetch")
                }
                break
            }
            guard fetchRC == MEMCACHED_SUCCESS else {
                firstError = firstError ?? fail(fetchRC, "fetch")
                continue
            }
            guard let keyStart = memcached_result_key_value(result), memcached_result_key_length(result) > 0 else {
                continue
            }
            anyFound = true
            let length = memcached_result_length(result)
            each(
                UnsafeRawBufferPointer(start: keyStart, count: memcached_result_key_length(result)),
                length == 0
                    ? UnsafeRawBufferPointer(start: nil, count: 0)
                    : UnsafeRawBufferPointer(start: memcached_result_value(result), count: length),
                memcached_result_flags(result), memcached_result_cas(result))
        }
        if let firstError, strict || !anyFound { throw firstError }
    }

    enum StoreMode { case set, add, replace }

    /// Returns false when `add` found the key present or `replace` found it absent.
    func store(
        _ mode: StoreMode,
        key: String,
        value: [UInt8],
        flags: UInt32,
        expiration: MemcachedExpiration
    ) throws(MemcachedError) -> Bool {
        try Self.validate(key)
        let rc = value.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                switch mode {
                case .set:
                    memcached_set(
                        handle, key, key.utf8.count, chars.baseAddress, chars.count, expiration.protocolValue, flags)
                case .add:
                    memcached_add(
                        handle, key, key.utf8.count, chars.baseAddress, chars.count, expiration.protocolValue, flags)
                case .replace:
                    memcached_replace(
                        handle, key, key.utf8.count, chars.baseAddress, chars.count, expiration.protocolValue, flags)
                }
            }
        }
        switch rc {
        case MEMCACHED_SUCCESS, MEMCACHED_STORED: return true
        case MEMCACHED_NOTSTORED, MEMCACHED_DATA_EXISTS, MEMCACHED_NOTFOUND: return false
        default: throw fail(rc, "store")
        }
    }

    func compareAndSwap(
        key: String,
        value: [UInt8],
        cas: UInt64,
        flags: UInt32,
        expiration: MemcachedExpiration
    ) throws(MemcachedError) -> MemcachedCASOutcome {
        try Self.validate(key)
        let rc = value.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                memcached_cas(
                    handle, key, key.utf8.count, chars.baseAddress, chars.count, expiration.protocolValue, flags, cas)
            }
        }
        switch rc {
        case MEMCACHED_SUCCESS, MEMCACHED_STORED: return .stored
        case MEMCACHED_DATA_EXISTS: return .exists
        case MEMCACHED_NOTFOUND: return .notFound
        default: throw fail(rc, "cas")
        }
    }

    func delete(_ key: String) throws(MemcachedError) -> Bool {
        try Self.validate(key)
        let rc = memcached_delete(handle, key, key.utf8.count, 0)
        switch rc {
        case MEMCACHED_SUCCESS, MEMCACHED_DELETED: return true
        case MEMCACHED_NOTFOUND: return false
        default: throw fail(rc, "delete")
        }
    }

    func touch(_ key: String, expiration: MemcachedExpiration) throws(MemcachedError) -> Bool {
        try Self.validate(key)
        let rc = memcached_touch(handle, key, key.utf8.count, expiration.protocolValue)
        switch rc {
        case MEMCACHED_SUCCESS: return true
        case MEMCACHED_NOTFOUND: return false
        default: throw fail(rc, "touch")
        }
    }

    /// Plain incr/decr: nil when the key does not exist.
    func adjust(_ key: String, by delta: UInt32, increment: Bool) throws(MemcachedError) -> UInt64? {
        try Self.validate(key)
        var value: UInt64 = 0
        let rc =
            increment
            ? memcached_increment(handle, key, key.utf8.count, delta, &value)
            : memcached_decrement(handle, key, key.utf8.count, delta, &value)
        return try counter(rc, value)
    }

    /// incr by a 64-bit offset (memcached adds modulo 2^64): nil when the key does not exist.
    func increment(_ key: String, wrappingBy offset: UInt64) throws(MemcachedError) -> UInt64? {
        try Self.validate(key)
        var value: UInt64 = 0
        let length = key.utf8.count
        return try counter(memcached_increment_by_key(handle, key, length, key, length, offset, &value), value)
    }

    /// Adds each offset to its counter modulo 2^64 with a quiet binary `INCREMENTQ`, sent without
    /// waiting for an answer (a missing counter is created holding `initial`, its offset not
    /// applied), then reads `keys`, which must include every incremented key, with one multi-get
    /// whose answers follow the increments': one round trip for all of them.
    ///
    /// A quiet increment answers only when it fails, and libmemcached's multi-get reader does not
    /// expect that answer: it takes it as the end of the replies. So an incremented key missing
    /// from the replies means an increment failed (its counter was not a number, or could not be
    /// created: another client's `add` came first, or memory is full) and throws
    /// ``MemcachedError/Code/quietIncrementFailed``. That, and any other failure, closes the
    /// connection first, dropping whatever was left unread.
    func increment(
        quietly increments: [(key: String, offset: UInt64)], initial: UInt64, expiration: MemcachedExpiration,
        thenGet keys: [String],
        found: (_ index: Int, _ value: UnsafeRawBufferPointer, _ flags: UInt32, _ cas: UInt64) -> Void
    ) throws(MemcachedError) {
        for increment in increments { try Self.validate(increment.key) }
        let indexOfKey = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let incremented = increments.map { increment in
            guard let index = indexOfKey[increment.key] else {
                preconditionFailure("an incremented key must be read back")
            }
            return index
        }
        do throws(MemcachedError) {
            try sendQuietly(increments, initial: initial, expiration: expiration)
            var answered = [Bool](repeating: false, count: keys.count)
            try getMultiple(keys, strict: true) { index, value, flags, cas in
                answered[index] = true
                found(index, value, flags, cas)
            }
            guard incremented.allSatisfy({ answered[$0] }) else {
                throw MemcachedError(
                    code: .quietIncrementFailed, message: "an incremented counter was missing from the replies")
            }
        } catch {
            memcached_quit(handle)
            throw error
        }
    }

    /// Sends quiet `INCREMENTQ`s with `initial` (see ``increment(quietly:initial:expiration:thenGet:found:)``).
    private func sendQuietly(
        _ increments: [(key: String, offset: UInt64)], initial: UInt64, expiration: MemcachedExpiration
    ) throws(MemcachedError) {
        let quiet = memcached_behavior_set(handle, MEMCACHED_BEHAVIOR_NOREPLY, 1)
        guard quiet == MEMCACHED_SUCCESS else { throw fail(quiet, "behavior noreply") }
        defer { memcached_behavior_set(handle, MEMCACHED_BEHAVIOR_NOREPLY, 0) }
        for increment in increments {
            var ignored: UInt64 = 0
            let length = increment.key.utf8.count
            let rc = memcached_increment_with_initial(
                handle, increment.key, length, increment.offset, initial, expiration.protocolValue, &ignored)
            guard rc == MEMCACHED_SUCCESS else { throw fail(rc, "incr quietly") }
        }
    }

    /// A plain incr/decr's outcome: the new value, nil when the key does not exist.
    private func counter(_ rc: memcached_return_t, _ value: UInt64) throws(MemcachedError) -> UInt64? {
        switch rc {
        case MEMCACHED_SUCCESS: return value
        case MEMCACHED_NOTFOUND: return nil
        default: throw adjustError(rc)
        }
    }

    /// incr/decr that stores `initial` (without applying the delta) when the key is missing.
    func adjust(
        _ key: String,
        by delta: UInt64,
        initial: UInt64,
        expiration: MemcachedExpiration,
        increment: Bool
    ) throws(MemcachedError) -> UInt64 {
        try Self.validate(key)
        var value: UInt64 = 0
        let rc =
            increment
            ? memcached_increment_with_initial(
                handle, key, key.utf8.count, delta, initial, expiration.protocolValue, &value)
            : memcached_decrement_with_initial(
                handle, key, key.utf8.count, delta, initial, expiration.protocolValue, &value)
        guard rc == MEMCACHED_SUCCESS else { throw adjustError(rc) }
        return value
    }

    /// The binary protocol answers "non-numeric value" to incr/decr on text; libmemcached reports it as
    /// UNKNOWN_READ_FAILURE (rc 7) while the connection stays usable, so that code means non-numeric here.
    private func adjustError(_ rc: memcached_return_t) -> MemcachedError {
        if rc == MEMCACHED_UNKNOWN_READ_FAILURE {
            return MemcachedError(
                code: .nonNumericValue, returnCode: Int32(rc.rawValue), message: "incr/decr on a non-numeric value")
        }
        return fail(rc, "incr/decr")
    }

    /// Asks every server for its stats. (`memcached_version` would not do: libmemcached remembers a
    /// server's version and, once known, answers without asking again, even after the server died.)
    func ping() throws(MemcachedError) {
        var rc = MEMCACHED_SUCCESS
        let stats = memcached_stat(handle, nil, &rc)
        memcached_stat_free(handle, stats)
        guard rc == MEMCACHED_SUCCESS else { throw fail(rc, "stats") }
    }

    /// Every server's `stats settings`, in the order libmemcached visits them.
    func settings() throws(MemcachedError) -> [MemcachedServerSettings] {
        final class Collected {
            var servers: [MemcachedServerSettings] = []
        }
        let collected = Collected()
        let rc = withExtendedLifetime(collected) {
            memcached_stat_execute(
                handle, "settings",
                { instance, key, keyLength, value, valueLength, context in
                    guard let instance, let key, let context else { return MEMCACHED_SUCCESS }
                    let collected = Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue()
                    // libmemcached names a unix socket server by its path, with port 0.
                    let port = Int(memcached_server_port(instance))
                    let name = memcached_server_name(instance).map { String(cString: $0) } ?? ""
                    let server: MemcachedServer = port == 0 ? .unixSocket(path: name) : .tcp(host: name, port: port)
                    if collected.servers.last?.server != server {
                        collected.servers.append(MemcachedServerSettings(server: server, values: [:]))
                    }
                    let setting = String(
                        decoding: UnsafeRawBufferPointer(start: key, count: keyLength), as: UTF8.self)
                    let text = value.map {
                        String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(valueLength)), as: UTF8.self)
                    }
                    collected.servers[collected.servers.count - 1].values[setting] = text ?? ""
                    return MEMCACHED_SUCCESS
                }, Unmanaged.passUnretained(collected).toOpaque())
        }
        guard rc == MEMCACHED_SUCCESS else { throw fail(rc, "stats settings") }
        // libmemcached reports success when a server it could not reach simply said nothing.
        guard collected.servers.count == Int(memcached_server_count(handle)) else {
            throw MemcachedError(
                code: .serverUnavailable,
                message:
                    "stats settings: \(collected.servers.count) of \(memcached_server_count(handle)) servers answered")
        }
        return collected.servers
    }
}
