import HeraldCore
import Hummingbird
import Logging

/// Turns any error into the API's JSON error envelope. Nothing internal (stack traces, SQL,
/// library messages) reaches the client: unknown errors become a generic 500 and are logged.
enum ErrorResponse {
    static func response(
        for error: any Error, request: Request, context: some RequestContext
    ) throws -> Response {
        switch error {
        case let error as HeraldError:
            error.logIfServerFailure(to: context.logger)
            return try error.response(from: request, context: context)
        case let error as HTTPError:
            return try translate(error.status).response(from: request, context: context)
        case let error as any HTTPResponseError:
            return try translate(error.status).response(from: request, context: context)
        default:
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return try HeraldError(.internalError, "internal error").response(from: request, context: context)
        }
    }

    static func translate(_ status: HTTPResponse.Status) -> HeraldError {
        switch status {
        case .notFound: HeraldError(.notFound, "no such resource")
        case .methodNotAllowed: HeraldError(.methodNotAllowed, "method not allowed")
        case .contentTooLarge: HeraldError(.tooLarge, "request body too large")
        case .unsupportedMediaType: HeraldError(.unsupportedMediaType, "content type must be application/json")
        case .unauthorized: HeraldError(.unauthorized, "missing or invalid credentials")
        case .forbidden: HeraldError(.forbidden, "forbidden")
        case .badRequest: HeraldError(.invalidJSON, "bad request")
        case .serviceUnavailable: HeraldError(.unavailable, "service unavailable")
        default:
            status.code >= 500
                ? HeraldError(.internalError, "internal error") : HeraldError(.invalidField, "bad request")
        }
    }
}
