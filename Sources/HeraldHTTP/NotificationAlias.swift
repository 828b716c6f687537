import HeraldCore

/// The domain notification (not Foundation's `Notification`).
typealias Notification = HeraldCore.Notification
