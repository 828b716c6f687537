/// Thrown by a write that failed outside a savepoint: the group's attempt must roll back.
struct StepFailure: Error {}
