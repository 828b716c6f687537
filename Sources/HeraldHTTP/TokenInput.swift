import HeraldCore

/// Optional body of token minting: `{"ttl_seconds": N}`; any other member is refused (a misspelt
/// lifetime would otherwise mint a token of the default hour).
struct TokenInput: JSONReadable {
    var ttlSeconds: Int64?

    init(json: JSONValue) throws(HeraldError) {
        let fields = try JSONFields(json, notAnObject: "body must be a JSON object")
        try fields.refuseOthers(than: ["ttl_seconds"], in: "a token request")
        ttlSeconds = try fields["ttl_seconds"].integer()
    }
}
