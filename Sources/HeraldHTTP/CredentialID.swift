/// Which configured credential admitted a caller: one API key, or the token secret that signed
/// its user token. A keyed hash of the credential (the key is random for each process, so the value
/// means nothing outside it and tells nothing of the credential), the same for the same credential
/// across every replacement, so the streams a dropped key or secret admitted can be found and ended
/// (``StreamHub/admitOnly(_:)``).
public struct CredentialID: Sendable, Hashable {
    private let value: Int

    private enum Kind: UInt8 {
        case apiKey = 1
        case tokenSecret = 2
    }

    private init(_ kind: Kind, _ bytes: some Sequence<UInt8>) {
        var hasher = Hasher()
        hasher.combine(kind.rawValue)
        for byte in bytes { hasher.combine(byte) }
        value = hasher.finalize()
    }

    /// The identity of an API key.
    static func apiKey(_ key: some Sequence<UInt8>) -> CredentialID { CredentialID(.apiKey, key) }

    /// The identity of a token secret.
    static func tokenSecret(_ secret: String) -> CredentialID { CredentialID(.tokenSecret, secret.utf8) }
}
