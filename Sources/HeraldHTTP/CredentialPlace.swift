/// Where a request carries its credential. User tokens may come in any of them (browsers'
/// `EventSource` cannot set a header); API keys only in the header, since a URL is written to
/// access logs, proxies' logs and browser history, and a cookie is sent by the browser on its own.
enum CredentialPlace {
    /// `Authorization: Bearer …`.
    case authorizationHeader
    /// The query's `access_token`.
    case queryParameter
    /// The `herald_token` cookie.
    case cookie
}
