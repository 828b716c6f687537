import Hummingbird

/// Answers `GET /v1/users/{user}/counts` with a fixed body on 127.0.0.1:8099 (or the port given).
let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8099
let router = Router()
router.get("/v1/users/:user/counts") { _, _ in #"{"unread":0,"unseen":0}"# }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
