/// A URL path or body template, split once into text and placeholders so that rendering one
/// message is a few appends: `{channel}`, `{seq}`, `{ts}`, `{run}`, `{token}` (= `bt:{run}:{ts}:{seq}`)
/// and `{pad}` (filler to a message size). Any other brace is text (bodies are JSON).
struct TextTemplate: Sendable {
    private enum Part: Sendable {
        case text(String)
        case channel, seq, ts, run, token, pad
    }

    private static let placeholders: [(String, Part)] = [
        ("{channel}", .channel), ("{seq}", .seq), ("{ts}", .ts), ("{run}", .run), ("{token}", .token),
        ("{pad}", .pad),
    ]

    private let parts: [Part]

    init(_ text: String) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let first = rest.first {
            if first == "{", let (name, part) = Self.placeholders.first(where: { rest.hasPrefix($0.0) }) {
                if !literal.isEmpty { parts.append(.text(literal)) }
                literal = ""
                parts.append(part)
                rest = rest.dropFirst(name.count)
            } else {
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    func render(_ values: TemplateValues) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .channel: out += values.channel
            case .seq: out += String(values.seq)
            case .ts: out += String(values.ts)
            case .run: out += values.run
            case .token: out += values.token
            case .pad: out += values.pad
            }
        }
        return out
    }
}
