public import HeraldCore
import Synchronization

/// Each user's token revocation (`DELETE /v1/users/{user}/tokens`): the user's tokens issued
/// (`iat`) in or before a given second are refused, as are their tokens without an `iat`. Held in
/// memory, as every token check asks, and persisted in the store (read whole at start-up).
///
/// Issue times are whole seconds, as `iat` is (RFC 7519 allows a fraction, but many verifiers
/// read the claim as an integer), so a revocation refuses the whole second it happens in, and a
/// token Herald mints for the user in that second says it was issued in the next (a second
/// revocation in that second then refuses that next second too).
public final class TokenRevocations: Sendable {
    private let store: (any TokenRevocationStore)?
    /// User → the last second of issue refused.
    private let throughs: Mutex<[String: Int64]>

    /// Revocations held in memory only (tests, tools).
    public init() {
        store = nil
        throughs = Mutex([:])
    }

    private init(store: any TokenRevocationStore, throughs: [String: Int64]) {
        self.store = store
        self.throughs = Mutex(throughs)
    }

    /// The revocations `store` holds, each new one persisted there before it is in force.
    public static func load(from store: any TokenRevocationStore) async throws(HeraldError) -> TokenRevocations {
        do {
            return TokenRevocations(store: store, throughs: try await store.tokenRevocations())
        } catch {
            throw HeraldError(.unavailable, "cannot read the token revocations", underlying: error)
        }
    }

    /// Whether a token of `user` issued in the second `issuedAt` (nil: it says not) is refused.
    func isRevoked(user: String, issuedAt: Int64?) -> Bool {
        guard let through = throughs.withLock({ $0[user] }) else { return false }
        return Self.refuses(issuedAt: issuedAt, through: through)
    }

    /// The rule, for the authenticator and the stream hub alike: a revocation through the second
    /// `through` refuses a token issued in or before it, or one that does not say (nil).
    static func refuses(issuedAt: Int64?, through: Int64) -> Bool {
        (issuedAt ?? .min) <= through
    }

    /// Refuses every token of `user` issued so far: those issued in or before the second of
    /// `now`, and those minted since an earlier revocation in that second (which say the next
    /// one, ``issueSecond(user:now:)``). Persisted first, then in force. Returns the last second of
    /// issue refused.
    func revoke(user: String, now: Timestamp) async throws(HeraldError) -> Int64 {
        var through = issueSecond(user: user, now: now)
        if let store {
            do {
                through = try await store.revokeTokens(user: user, through: through)
            } catch {
                throw HeraldError(.unavailable, "the revocation could not be saved", underlying: error)
            }
        }
        return throughs.withLock { throughs in
            let kept = max(throughs[user] ?? .min, through)
            throughs[user] = kept
            return kept
        }
    }

    /// The second a token of `user` minted at `now` says it was issued in: `now`'s, or the one
    /// after the user's revocation when that is later (a token minted in the second of a
    /// revocation, after it, is not refused).
    func issueSecond(user: String, now: Timestamp) -> Int64 {
        let second = Self.second(of: now)
        guard let through = throughs.withLock({ $0[user] }) else { return second }
        return max(second, through + 1)
    }

    /// The whole second `timestamp` falls in (since 1970).
    static func second(of timestamp: Timestamp) -> Int64 {
        timestamp.milliseconds >= 0 ? timestamp.milliseconds / 1000 : (timestamp.milliseconds - 999) / 1000
    }
}
