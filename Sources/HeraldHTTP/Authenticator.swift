import Foundation
public import HeraldCore
public import Hummingbird
import JWTKit
import Synchronization

/// Checks credentials: API keys (constant-time) and HS256 user tokens (jwt-kit; the header must
/// say `HS256`, and `nbf`, when present, must have passed).
///
/// The credentials can be replaced while the server runs (``replaceCredentials(apiKeys:tokenSecret:previousTokenSecrets:)``,
/// on `SIGHUP` for credentials read from files).
public final class Authenticator: Sendable {
    /// The credentials in force, replaced whole.
    private struct Credentials: Sendable {
        let apiKeys: [(bytes: [UInt8], id: CredentialID)]
        let keys: JWTKeyCollection
        /// The current secret's identity.
        let secret: CredentialID
        /// Former secrets' keys: their tokens are still accepted, until they expire; nothing is
        /// signed with them.
        let previousKeys: [(keys: JWTKeyCollection, secret: CredentialID)]

        /// Every API key and token secret in force.
        var ids: Set<CredentialID> {
            Set(apiKeys.map(\.id) + [secret] + previousKeys.map(\.secret))
        }
    }

    private let credentials: Mutex<Credentials>
    private let verified = VerifiedTokens()
    private let revocations: TokenRevocations
    private let crossSiteWrites: CrossSiteWriteCheck

    /// The longest user token lifetime: 30 days.
    public static let maximumTokenTTLSeconds: Int64 = 30 * 24 * 3600

    /// The shortest accepted token secret: HS256 needs a key at least as long as its 32-byte output.
    public static let minimumSecretBytes = 32

    /// Creates an authenticator; throws when a token secret is shorter than ``minimumSecretBytes``.
    /// - Parameters:
    ///   - tokenSecret: signs minted tokens, and verifies user tokens.
    ///   - previousTokenSecrets: verify user tokens too, so that tokens signed before the secret was
    ///     changed keep working until they expire (`--previous-token-secret`).
    ///   - pageOrigins: the origins whose pages may change notifications with the `herald_token`
    ///     cookie besides the server's own (`--cors-origin`; `*` for any).
    ///   - revocations: the users' token revocations (in memory only by default).
    public init(
        apiKeys: [String], tokenSecret: String, previousTokenSecrets: [String] = [], pageOrigins: [String] = [],
        revocations: TokenRevocations = TokenRevocations()
    ) async throws(HeraldError) {
        credentials = Mutex(
            try await Self.credentials(
                apiKeys: apiKeys, tokenSecret: tokenSecret, previousTokenSecrets: previousTokenSecrets))
        self.crossSiteWrites = CrossSiteWriteCheck(origins: pageOrigins)
        self.revocations = revocations
    }

    /// Refuses every token of `user` issued until now, from the next request on (tokens verified
    /// before are checked again); tokens minted from now on are accepted. Persisted before it is
    /// in force. Returns the last second of issue refused, for ``StreamHub/endTokenStreams(of:issuedThrough:)``
    /// to end the streams such tokens opened.
    public func revokeTokens(user: String) async throws(HeraldError) -> Int64 {
        let through = try await revocations.revoke(user: user, now: .now())
        verified.forget(user: user)
        return through
    }

    /// Puts new credentials in force at once: API keys no longer listed and tokens signed only
    /// with secrets no longer given are refused from the next request on. Returns the credentials
    /// now in force, for ``StreamHub/admitOnly(_:)`` to end the streams the dropped ones admitted.
    /// Throws, changing nothing, when a secret is too short.
    @discardableResult
    public func replaceCredentials(
        apiKeys: [String], tokenSecret: String, previousTokenSecrets: [String]
    ) async throws(HeraldError) -> Set<CredentialID> {
        let replacement = try await Self.credentials(
            apiKeys: apiKeys, tokenSecret: tokenSecret, previousTokenSecrets: previousTokenSecrets)
        credentials.withLock { $0 = replacement }
        verified.forgetAll()
        return replacement.ids
    }

    /// Every API key and token secret in force now.
    public var credentialsInForce: Set<CredentialID> { credentials.withLock(\.ids) }

    private static func credentials(
        apiKeys: [String], tokenSecret: String, previousTokenSecrets: [String]
    ) async throws(HeraldError) -> Credentials {
        let keys = try await Self.keys(for: tokenSecret, "the token secret")
        var previousKeys: [(keys: JWTKeyCollection, secret: CredentialID)] = []
        for secret in previousTokenSecrets where secret != tokenSecret {
            previousKeys.append((try await Self.keys(for: secret, Self.previousSecretName), .tokenSecret(secret)))
        }
        return Credentials(
            apiKeys: apiKeys.filter { !$0.isEmpty }.map { (Array($0.utf8), .apiKey($0.utf8)) }, keys: keys,
            secret: .tokenSecret(tokenSecret), previousKeys: previousKeys)
    }

    /// Throws unless `secret` is at least ``minimumSecretBytes`` long; `name` says which secret.
    public static func checkLength(of secret: String, _ name: String) throws(HeraldError) {
        guard secret.utf8.count >= minimumSecretBytes else {
            throw HeraldError(.invalidField, "\(name) must be at least \(minimumSecretBytes) bytes long")
        }
    }

    /// Throws unless a request could present `key`: it is not empty, has no space or tab at either
    /// end (``bearerCredential(_:)`` trims them off what a request sends) and no control character
    /// (which a header cannot carry). `name` says which key.
    public static func checkAPIKey(_ key: String, _ name: String) throws(HeraldError) {
        guard let first = key.utf8.first, let last = key.utf8.last else {
            throw HeraldError(.invalidField, "\(name) is empty")
        }
        let blank: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t")]
        guard !blank.contains(first), !blank.contains(last) else {
            throw HeraldError(.invalidField, "\(name) begins or ends with a space, which no request can send")
        }
        guard !key.utf8.contains(where: { ($0 < 0x20 && $0 != UInt8(ascii: "\t")) || $0 == 0x7F }) else {
            throw HeraldError(.invalidField, "\(name) holds a control character, which no request can send")
        }
    }

    /// Whether `key` is only visible ASCII without a comma (RFC 9110's `VCHAR`), which every client
    /// sends as it is: a space, a comma or a byte beyond ASCII works with curl, but some clients
    /// encode, split or refuse it.
    public static func isPlainAPIKey(_ key: String) -> Bool {
        key.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") }
    }

    /// API keys with fewer characters than this are easy to guess: `herald serve` warns of them.
    public static let shortAPIKeyLength = 16

    /// The name ``init(apiKeys:tokenSecret:previousTokenSecrets:pageOrigins:)`` gives a previous
    /// token secret in its errors.
    public static let previousSecretName = "a previous token secret"

    /// The HS256 key of `secret`, which must be at least ``minimumSecretBytes`` long.
    private static func keys(for secret: String, _ name: String) async throws(HeraldError) -> JWTKeyCollection {
        try checkLength(of: secret, name)
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, parser: HS256OnlyParser())
        return keys
    }

    /// The caller of `request`: `Authorization: Bearer`, then `access_token`, then the `herald_token`
    /// cookie, which may change notifications only from the pages ``CrossSiteWriteCheck`` allows.
    /// An API key is taken from the header alone (``CredentialPlace``).
    public func principal(for request: Request) async throws(HeraldError) -> Principal {
        guard let (credential, place) = try Self.credential(in: request), !credential.isEmpty else {
            throw HeraldError(.unauthorized, "missing credentials: send Authorization: Bearer <api key or token>")
        }
        if place == .cookie, let refusal = crossSiteWrites.refusal(of: request) { throw refusal }
        if let known = knownPrincipal(for: credential[...]) {
            guard !known.isBackend || place == .authorizationHeader else {
                throw HeraldError(
                    .unauthorized,
                    "an API key is accepted only in the Authorization header (a URL or a cookie leaks it into logs)")
            }
            return known
        }
        do {
            let generation = verified.generation
            let (claims, secret) = try await verifiedClaims(of: credential)
            guard Identifier.isValid(claims.sub.value) else { throw HeraldError(.unauthorized, "bad subject") }
            let issuedAt = claims.iat.flatMap { Int64(exactly: $0.value.timeIntervalSince1970.rounded(.down)) }
            guard !revocations.isRevoked(user: claims.sub.value, issuedAt: issuedAt) else {
                throw HeraldError(.unauthorized, "revoked")
            }
            let expiresAt = Timestamp(clampingSecondsSince1970: claims.exp.value.timeIntervalSince1970)
            let principal = Principal.user(
                id: claims.sub.value, expiresAt: expiresAt, secret: secret, issuedAt: issuedAt)
            verified.remember(credential, as: principal, now: .now(), generation: generation)
            return principal
        } catch {
            throw HeraldError(.unauthorized, "invalid, expired or revoked credentials")
        }
    }

    /// The claims of `token` if the current secret or a previous one signed it, and they hold,
    /// with the secret that signed it.
    private func verifiedClaims(of token: String) async throws -> (UserClaims, CredentialID) {
        let current = credentials.withLock { $0 }
        do {
            return (try await current.keys.verify(token, as: UserClaims.self), current.secret)
        } catch {
            for previous in current.previousKeys {
                if let claims = try? await previous.keys.verify(token, as: UserClaims.self) {
                    return (claims, previous.secret)
                }
            }
            throw error
        }
    }

    /// The principal `credential` stands for if that is known without verifying a signature: an
    /// API key, or a user token verified before that has not expired. Nil otherwise (then
    /// ``principal(for:)`` decides).
    public func knownPrincipal(for credential: Substring) -> Principal? {
        guard !credential.isEmpty else { return nil }
        if let key = apiKey(matching: credential) { return .backend(key: key) }
        return verified.principal(for: String(credential), now: .now())
    }

    /// The credential of an `Authorization: Bearer` header value; nil for any other scheme.
    public static func bearerCredential(_ header: String) -> Substring? {
        // "Bearer", in any case, then at least one space; looked at byte by byte, as this runs for
        // every request.
        let utf8 = header.utf8
        guard utf8.count > 7, utf8.prefix(6).equalsIgnoringASCIICase("bearer"),
            utf8[utf8.index(utf8.startIndex, offsetBy: 6)] == UInt8(ascii: " ")
        else { return nil }
        // Spaces and tabs are single bytes, so trimming them byte by byte keeps the slice on
        // character boundaries.
        var token = utf8.dropFirst(7)
        while let first = token.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            token.removeFirst()
        }
        while let last = token.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            token.removeLast()
        }
        return Substring(token)
    }

    /// Signs a user token valid for `ttlSeconds`, its expiry rounded up to a whole second
    /// (never sooner than asked, so a 1 s token is not gone at once).
    ///
    /// RFC 7519 lets `exp` have a fraction, but verifiers that declare it an integer (a `u64` or
    /// `long` claims field, common in Rust and Java) reject one, so `exp` is whole seconds and
    /// `expires_at` says that second (`….000Z`).
    public func mintToken(
        user: String, ttlSeconds: Int64
    ) async throws(HeraldError) -> (token: String, expiresAt: Timestamp) {
        let now = Timestamp.now()
        let exact = now.adding(seconds: ttlSeconds)
        let seconds = (exact.milliseconds + 999) / 1000  // after 1970: the ceiling
        let expiresAt = Timestamp(milliseconds: seconds * 1000)
        let claims = UserClaims(
            sub: SubjectClaim(value: user),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: Double(seconds))),
            iat: IssuedAtClaim(
                value: Date(timeIntervalSince1970: Double(revocations.issueSecond(user: user, now: now)))))
        do {
            return (try await credentials.withLock(\.keys).sign(claims), expiresAt)
        } catch {
            throw HeraldError(.internalError, "could not sign token", underlying: error)
        }
    }

    /// The credential `request` presents, nil when none. Two `Authorization` lines read as one
    /// joined with a comma, as HTTP combines them, which no credential matches; two `access_token`
    /// parameters are refused alike, rather than one of them picked.
    private static func credential(in request: Request) throws(HeraldError) -> (String, CredentialPlace)? {
        if let header = request.headers[.authorization] {
            return bearerCredential(header).map { (String($0), .authorizationHeader) }
        }
        let tokens = request.uri.queryParameters[values: "access_token"]
        guard tokens.count <= 1 else {
            throw HeraldError(.unauthorized, "access_token is given more than once: send one credential")
        }
        if let token = tokens.first { return (String(token), .queryParameter) }
        return request.cookies["herald_token"].map { ($0.value, .cookie) }
    }

    /// The configured key `candidate` is, if any; compares against every configured key without
    /// early exit.
    private func apiKey(matching candidate: Substring) -> CredentialID? {
        let bytes = candidate.utf8
        var matched: CredentialID?
        for (key, id) in credentials.withLock(\.apiKeys) {
            // Every byte of every key is compared, whatever matches, so the time taken does not
            // tell how much of a key a guess got right.
            // Lengths that differ are a difference in themselves (their bytes cut to one byte
            // were not: a key with 256 more bytes after it matched).
            var difference: UInt8 = key.count == bytes.count ? 0 : 1
            var index = bytes.startIndex
            for byte in key {
                if index < bytes.endIndex {
                    difference |= byte ^ bytes[index]
                    bytes.formIndex(after: &index)
                } else {
                    difference |= byte
                }
            }
            if difference == 0 { matched = id }
        }
        return matched
    }
}
