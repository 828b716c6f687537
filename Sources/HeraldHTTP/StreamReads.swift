import HeraldCore

/// How a stream reads the store: what it asks for, and what the answer means for the stream. The
/// reads themselves run on a store thread (``HeraldService/streamRead(user:after:limit:completion:)``);
/// the stream's connection writes what they say on its event loop.
enum StreamReads {
    /// Events read per catch-up page.
    static let pageSize = 256

    /// How a stream begins.
    enum Opening: Equatable, Sendable {
        /// A fresh stream: the current counts as a `counts` event.
        case snapshot(Counts)
        /// The client's `Last-Event-ID` is in the retained log: continue after it with these events
        /// (the first page of them), no opening event.
        case resume(after: Int64, events: [UserEvent])
        /// The client's position is unknown or pruned: a `reset` event with the current counts.
        case reset(Counts)
    }

    /// One step of catching up from the log.
    enum Page: Equatable, Sendable {
        /// The next retained events after the position, in order (empty: caught up).
        case events([UserEvent])
        /// The events right after the position were pruned (some or, the user's seq past it, all
        /// that followed it): a `reset` with the current counts.
        case reset(Counts)
    }

    /// The position a `Last-Event-ID` names: nil for none, or for one that is no seq (which the
    /// opening answers with a reset, whatever the log holds).
    static func position(lastEventID: String?) -> Int64? {
        guard let lastEventID, let seq = Int64(lastEventID.trimmingCharacters(in: .whitespaces)), seq >= 0 else {
            return nil
        }
        return seq
    }

    /// The opening, from a read after ``position(lastEventID:)``.
    static func opening(lastEventID: String?, read: StreamRead) -> Opening {
        guard lastEventID != nil else { return .snapshot(read.counts) }
        if let resumeAt = position(lastEventID: lastEventID), resumeAt <= read.counts.seq {
            if resumeAt == read.counts.seq { return .resume(after: resumeAt, events: []) }
            if read.events.first?.seq == resumeAt + 1 { return .resume(after: resumeAt, events: read.events) }
        }
        return .reset(read.counts)
    }

    /// The catch-up page after `last`, from a read after it (its counts and events one snapshot).
    static func page(after last: Int64, read: StreamRead) -> Page {
        guard let first = read.events.first else {
            // No event after `last` is left, yet the user's seq is past it: they were all pruned
            // while the stream lagged, and a page of none would leave it live, silently behind.
            return read.counts.seq > last ? .reset(read.counts) : .events([])
        }
        return first.seq == last + 1 ? .events(read.events) : .reset(read.counts)
    }
}
