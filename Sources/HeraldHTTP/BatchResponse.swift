import HeraldCore

/// `{"results": […]}`.
struct BatchResponse: Encodable {
    var results: [BatchResult]
}
