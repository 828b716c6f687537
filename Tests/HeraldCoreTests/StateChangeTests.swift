import HeraldCore
import Testing

@Suite struct StateChangeTests {
    let base = Notification(
        id: "n1", user: "u1", type: "t", title: nil, body: nil, data: [:], tags: [],
        createdAt: Timestamp(milliseconds: 1000), expiresAt: Timestamp(milliseconds: 10_000_000))
    let now = Timestamp(milliseconds: 5000)

    @Test func readMarksSeenTooAndIsIdempotent() throws {
        let read = try #require(StateChange.read.apply(to: base, at: now))
        #expect(read.readAt == now)
        #expect(read.seenAt == now)
        #expect(!read.countsAsUnread && !read.countsAsUnseen)
        #expect(StateChange.read.apply(to: read, at: now) == nil)
    }

    @Test func unreadKeepsSeen() throws {
        let read = try #require(StateChange.read.apply(to: base, at: now))
        let unread = try #require(StateChange.unread.apply(to: read, at: now))
        #expect(unread.readAt == nil)
        #expect(unread.seenAt == now)
        #expect(unread.countsAsUnread && !unread.countsAsUnseen)
        #expect(StateChange.unread.apply(to: unread, at: now) == nil)
    }

    @Test func archiveRemovesFromCountsAndUnarchiveRestores() throws {
        let archived = try #require(StateChange.archive.apply(to: base, at: now))
        #expect(!archived.countsAsUnread && !archived.countsAsUnseen)
        #expect(StateChange.archive.apply(to: archived, at: now) == nil)
        let restored = try #require(StateChange.unarchive.apply(to: archived, at: now))
        #expect(restored.countsAsUnread && restored.countsAsUnseen)
        #expect(StateChange.unarchive.apply(to: base, at: now) == nil)
    }

    @Test func eventNamesMatchTheAPI() {
        #expect(StateChange.read.eventName.rawValue == "notification.read")
        #expect(StateChange.unread.eventName.rawValue == "notification.unread")
        #expect(StateChange.archive.eventName.rawValue == "notification.archived")
        #expect(StateChange.unarchive.eventName.rawValue == "notification.unarchived")
    }
}
