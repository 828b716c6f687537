import Foundation
import JWTKit

/// jwt-kit's parser, but a token whose header names another algorithm than `HS256`, or lists
/// critical extensions (`crit`), is refused.
///
/// With a single HMAC key and no `kid`, jwt-kit checks the signature with that key whatever the
/// header's `alg` says, so a token labelled `HS512` (or `none`, with an HS256 signature) passed.
/// RFC 8725 §3.1 asks verifiers to accept only the algorithms they expect. Herald understands no
/// JWS extension, and RFC 7515 §4.1.11 makes a token that lists one it does not understand invalid;
/// jwt-kit ignores `crit`.
struct HS256OnlyParser: JWTParser {
    var jsonDecoder: any JWTJSONDecoder = .defaultForJWT

    func parse<Payload>(
        _ token: some DataProtocol, as payload: Payload.Type
    ) throws -> (header: JWTHeader, payload: Payload, signature: Data) where Payload: JWTPayload {
        let parsed = try DefaultJWTParser(jsonDecoder: jsonDecoder).parse(token, as: payload)
        guard parsed.header.alg == "HS256" else {
            throw JWTError.malformedToken(reason: "the header's alg must be HS256")
        }
        guard parsed.header.fields["crit"] == nil else {
            throw JWTError.malformedToken(reason: "no critical extension is understood")
        }
        return parsed
    }
}
