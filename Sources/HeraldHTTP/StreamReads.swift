import Foundation
import HeraldCore

/// The store reads of a stream. They run in short-lived tasks off the event loop; the stream's
/// connection writes what they return.
enum StreamReads {
    /// Events read per catch-up page.
    static let pageSize = 256

    /// How a stream begins.
    enum Opening: Sendable {
        /// A fresh stream: the current counts as a `counts` event.
        case snapshot(Counts)
        /// The client's `Last-Event-ID` is in the retained log: continue after it, no opening event.
        case resume(after: Int64)
        /// The client's position is unknown or pruned: a `reset` event with the current counts.
        case reset(Counts)
    }

    /// One step of catching up from the log.
    enum Page: Sendable {
        /// The next retained events after the position, in order (empty: caught up).
        case events([UserEvent])
        /// The events right after the position were pruned: a `reset` with the current counts.
        case reset(Counts)
    }

    static func opening(user: String, lastEventID: String?, service: HeraldService) async throws -> Opening {
        let counts = try await service.storedCounts(user: user)
        guard let lastEventID else { return .snapshot(counts) }
        if let resumeAt = Int64(lastEventID.trimmingCharacters(in: .whitespaces)), resumeAt >= 0,
            resumeAt <= counts.seq
        {
            if resumeAt == counts.seq { return .resume(after: resumeAt) }
            let first = try await service.events(user: user, after: resumeAt, limit: 1)
            if first.first?.seq == resumeAt + 1 { return .resume(after: resumeAt) }
        }
        return .reset(counts)
    }

    static func page(user: String, after last: Int64, service: HeraldService) async throws -> Page {
        let page = try await service.events(user: user, after: last, limit: pageSize)
        guard let first = page.first, first.seq != last + 1 else { return .events(page) }
        return .reset(try await service.storedCounts(user: user))
    }
}
