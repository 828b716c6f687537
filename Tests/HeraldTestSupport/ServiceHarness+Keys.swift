extension ServiceHarness {
    /// The memcached key holding the user's cache epoch (key schema in the README).
    public func keyOfEpoch(user: String) -> String { "\(health.keyBase):\(user):e" }
}
