import HeraldCore
import Synchronization

/// User tokens this process has already verified, with the principal each one stands for, so a
/// browser's repeated requests skip the signature check and the claims' JSON (~25 µs of server CPU
/// per counts request, measured). An entry is used only until its token expires, the same instant
/// the full check would start refusing it. At most `capacity` entries: when full, expired entries
/// go first, and if none had expired, all of them (they are verified again on next use).
final class VerifiedTokens: Sendable {
    private let entries = Mutex<[String: Principal]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.capacity = capacity
    }

    /// The principal `token` was verified as, if it has not expired by `now`.
    func principal(for token: String, now: Timestamp) -> Principal? {
        entries.withLock { entries in
            guard let principal = entries[token] else { return nil }
            guard let expiresAt = principal.expiresAt, expiresAt > now else {
                entries[token] = nil
                return nil
            }
            return principal
        }
    }

    /// Remembers a token that has just passed the full check.
    func remember(_ token: String, as principal: Principal, now: Timestamp) {
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expiresAt.map { $0 > now } ?? false }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = principal
        }
    }

    /// Entries held (for tests).
    var count: Int { entries.withLock { $0.count } }
}
