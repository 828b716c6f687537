import NIOCore
import NIOEmbedded

extension EmbeddedChannel {
    /// Everything written to the wire since the last call, as text.
    func writtenText() throws -> String {
        var text = ""
        while let part = try readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = part else { continue }
            text += String(buffer: buffer)
        }
        return text
    }
}
