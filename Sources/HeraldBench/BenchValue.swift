/// A JSON value in a result line.
enum BenchValue: Encodable {
    case number(Double)
    case text(String)
    case latency(LatencySummary)
    case counts([String: Int])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode((value * 1000).rounded() / 1000)
        case .text(let value): try container.encode(value)
        case .latency(let value): try container.encode(value)
        case .counts(let value): try container.encode(value)
        }
    }
}
