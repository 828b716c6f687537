extension ServiceHarness {
    /// The memcached key holding the user's cache epoch (key schema in the README).
    public func keyOfEpoch(user: String) -> String { "\(health.keyBase):\(user):e" }

    /// The memcached key holding the user's notification epoch (key schema in the README).
    public func keyOfNotificationEpoch(user: String) -> String { "\(health.keyBase):\(user):ne" }
}
