/// A user's three counter keys under one epoch (see ``CountsCacheKeys``), built once per job.
struct CounterKeys {
    let epoch: String
    let unread: String
    let unseen: String
    let seq: String

    var all: [String] { [unread, unseen, seq] }
}
