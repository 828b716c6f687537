import HeraldCore
import Synchronization

/// User tokens this process has already verified, with the principal each one stands for, so a
/// browser's repeated requests skip the signature check and the claims' JSON (~25 µs of server CPU
/// per counts request, measured). An entry is used only until its token expires, the same instant
/// the full check would start refusing it. At most `capacity` entries: when full, expired entries
/// go first, and if none had expired, all of them (they are verified again on next use).
///
/// When the secrets change (``forgetAll()``), every entry goes, and so does a verification that
/// began under the old secrets and ends after the change: each verification carries the
/// ``generation`` it began in.
final class VerifiedTokens: Sendable {
    private struct State {
        var entries: [String: Principal] = [:]
        var generation = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 10_000) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.capacity = capacity
    }

    /// The principal `token` was verified as, if it has not expired by `now`.
    func principal(for token: String, now: Timestamp) -> Principal? {
        state.withLock { state in
            guard let principal = state.entries[token] else { return nil }
            guard let expiresAt = principal.expiresAt, expiresAt > now else {
                state.entries[token] = nil
                return nil
            }
            return principal
        }
    }

    /// The current generation: a verification takes it before it checks the signature.
    var generation: Int { state.withLock { $0.generation } }

    /// Remembers a token that has just passed the full check, begun in `generation`; a token
    /// checked against secrets that have changed since is not remembered.
    func remember(_ token: String, as principal: Principal, now: Timestamp, generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.expiresAt.map { $0 > now } ?? false }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[token] = principal
        }
    }

    /// Forgets every token of `user` (their tokens were revoked) and starts a new generation, so
    /// that a verification begun before is not remembered either.
    func forget(user: String) {
        state.withLock { state in
            state.entries = state.entries.filter { entry in
                guard case .user(let id, _, _, _) = entry.value else { return true }
                return id != user
            }
            state.generation += 1
        }
    }

    /// Forgets every token (the secrets changed) and starts a new generation.
    func forgetAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }

    /// Entries held (for tests).
    var count: Int { state.withLock { $0.entries.count } }
}
