import NIOCore
import Synchronization

/// The id of a request the event loop answers itself (``FastPath``), of the form Hummingbird's
/// `RequestID` gives every other request: a prefix picked at random per process, then a sequence
/// number, each 16 hex digits. Written straight into the response: `RequestID().description`
/// built five strings per answer (2.3% of the server's CPU under counts, `perf`). The prefix is
/// not Hummingbird's, so the two sequences never give the same id. A client's own id
/// (``IncomingRequestID``) is used instead when the request carried one.
struct LoopRequestID: CustomStringConvertible {
    private static let prefix = hexDigits(UInt64.random(in: .min ... .max))
    private static let sequence = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    private let number: UInt64
    private let incoming: String?

    /// `incoming`, an id the client sent and ``IncomingRequestID`` accepted; else the next id of
    /// the sequence.
    init(incoming: String? = nil) {
        self.incoming = incoming
        number = incoming == nil ? Self.sequence.wrappingAdd(1, ordering: .relaxed).oldValue : 0
    }

    /// The client's id, or the 32 hex digits.
    var description: String {
        incoming ?? String(decoding: Self.prefix + Self.hexDigits(number), as: UTF8.self)
    }

    /// Appends ``description``'s bytes.
    func write(to buffer: inout ByteBuffer) {
        if let incoming {
            buffer.writeString(incoming)
            return
        }
        buffer.writeBytes(Self.prefix)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { digits in
            Self.fill(digits, with: number)
            buffer.writeBytes(UnsafeRawBufferPointer(digits))
        }
    }

    private static func hexDigits(_ value: UInt64) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 16) { digits, count in
            fill(digits, with: value)
            count = 16
        }
    }

    /// Writes `value` as 16 lowercase hex digits, leading zeros included.
    private static func fill(_ digits: UnsafeMutableBufferPointer<UInt8>, with value: UInt64) {
        var rest = value
        for index in (0..<16).reversed() {
            let digit = UInt8(truncatingIfNeeded: rest & 0xF)
            digits[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            rest >>= 4
        }
    }
}
