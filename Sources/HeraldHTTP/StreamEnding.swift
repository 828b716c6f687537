/// Why a stream ended, as `herald_sse_streams_ended_total{reason}` counts it.
enum StreamEnding: String, CaseIterable, Sendable {
    /// The client closed the connection, or it was lost (a client gone without closing included).
    case client
    /// The token that opened it expired.
    case tokenExpired = "token_expired"
    /// The API key or token secret that admitted it was dropped from the credentials.
    case credentialDropped = "credential_dropped"
    /// Its user's tokens were revoked.
    case tokensRevoked = "tokens_revoked"
    /// The server is shutting down.
    case shutdown
    /// The store could not be read for it.
    case failed
}
