import HeraldCore

/// Optional body of token minting: `{"ttl_seconds": N}`.
struct TokenInput: JSONReadable {
    var ttlSeconds: Int64?

    init(json: JSONValue) throws(HeraldError) {
        ttlSeconds = try JSONFields(json, notAnObject: "body must be a JSON object")["ttl_seconds"].integer()
    }
}
