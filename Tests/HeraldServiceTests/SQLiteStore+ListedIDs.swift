import HeraldCore
import HeraldSQLite

extension SQLiteStore {
    /// The ids of every page of `query`, following each page's position to the next.
    func listedIDs(_ query: NotificationQuery, now: Timestamp) async throws -> [String] {
        var query = query
        var ids: [String] = []
        while true {
            let page = try await list(query, now: now)
            ids += page.notifications.map(\.id)
            guard let next = page.nextPosition else { return ids }
            query.after = next
        }
    }
}
