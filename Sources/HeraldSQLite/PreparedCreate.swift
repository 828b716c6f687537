import HeraldCore

/// A create with everything that does not depend on the transaction worked out beforehand (the
/// id, the row's JSON columns, the event's JSON up to its counts), so the one writer thread runs
/// little more than SQL.
///
/// A class: the writer thread reads each create several times, and every read of a struct this
/// size copied its dozen references (~4% of that thread under batches, `perf`).
final class PreparedCreate: Sendable {
    let draft: NotificationDraft
    let notification: Notification
    /// True when the server made the id: no existing row can have it, so there is nothing to look up.
    let generatedID: Bool
    let tagsJSON: String
    let payload: CreatedEventPayload

    init(_ draft: NotificationDraft, defaultTTLSeconds: Int64, now: Timestamp) {
        self.draft = draft
        generatedID = draft.id == nil
        notification = Notification(
            id: draft.id ?? Identifier.generate(at: now), user: draft.user, type: draft.type, title: draft.title,
            body: draft.body, data: draft.data, tags: draft.tags, createdAt: now,
            expiresAt: draft.expiresAt ?? now.adding(seconds: draft.ttlSeconds ?? defaultTTLSeconds))
        tagsJSON = NotificationRow.json(tags: draft.tags)
        payload = CreatedEventPayload(notification)
    }

    /// This create's outcome once committed: the change carries the notification JSON its event
    /// rendered, for the answer to write as is.
    func created(counts: Counts, event: UserEvent, delta: CountsDelta) -> CreateOutcome {
        .created(
            NotificationChange(
                notification: notification, counts: counts, event: event, delta: delta,
                notificationJSON: payload.notificationJSON))
    }
}
