/// Why a shared transaction failed to commit.
struct CommitFailure: Sendable {
    let error: any Error
}
