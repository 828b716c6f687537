extension ContinuousClock.Instant {
    /// Nanoseconds from this instant to now, as the metrics' timers record them.
    public var nanosecondsElapsed: Int64 {
        let elapsed = duration(to: .now).components
        return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }
}
