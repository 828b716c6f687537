import HeraldCore
import Testing

@testable import HeraldHTTP

struct VerifiedTokensTests {
    let now = Timestamp(milliseconds: 1_800_000_000_000)

    func user(_ id: String, expiringIn milliseconds: Int64) -> Principal {
        .user(
            id: id, expiresAt: Timestamp(milliseconds: now.milliseconds + milliseconds), secret: .tokenSecret("s"),
            issuedAt: nil)
    }

    @Test func aRememberedTokenAnswersUntilItExpiresAndThenIsForgotten() {
        let tokens = VerifiedTokens()
        #expect(tokens.principal(for: "t1", now: now) == nil)
        tokens.remember("t1", as: user("u1", expiringIn: 1000), now: now, generation: 0)
        #expect(tokens.principal(for: "t1", now: now) == user("u1", expiringIn: 1000))
        let later = Timestamp(milliseconds: now.milliseconds + 999)
        #expect(tokens.principal(for: "t1", now: later) == user("u1", expiringIn: 1000))
        let expiry = Timestamp(milliseconds: now.milliseconds + 1000)
        #expect(tokens.principal(for: "t1", now: expiry) == nil)
        #expect(tokens.count == 0)
        #expect(tokens.principal(for: "t2", now: now) == nil)
    }

    @Test func aFullCacheDropsExpiredEntriesFirstAndOtherwiseStartsOver() {
        let tokens = VerifiedTokens(capacity: 3)
        tokens.remember("a", as: user("a", expiringIn: 10), now: now, generation: 0)
        tokens.remember("b", as: user("b", expiringIn: 60_000), now: now, generation: 0)
        tokens.remember("c", as: user("c", expiringIn: 60_000), now: now, generation: 0)
        let later = Timestamp(milliseconds: now.milliseconds + 100)
        // "a" has expired: only it goes.
        tokens.remember("d", as: user("d", expiringIn: 60_000), now: later, generation: 0)
        #expect(tokens.count == 3)
        #expect(tokens.principal(for: "b", now: later) != nil)
        #expect(tokens.principal(for: "d", now: later) != nil)
        tokens.remember("e", as: user("e", expiringIn: 60_000), now: later, generation: 0)  // none expired: all go
        #expect(tokens.count == 1)
        #expect(tokens.principal(for: "b", now: later) == nil)
        #expect(tokens.principal(for: "e", now: later) != nil)
    }
}
