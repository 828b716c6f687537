/// A user's counter key under one epoch (see ``CountsCacheKeys``), built once per job.
struct CounterKeys {
    let epoch: String
    /// The user's counts packed in one counter (see ``PackedCounts``).
    let counts: String
}
