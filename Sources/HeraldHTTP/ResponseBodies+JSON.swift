import HeraldCore

// The hot response bodies write themselves with `JSONWriter` (same bytes as their `Encodable` form
// under `.sortedKeys`), which `JSONIO.response` prefers over `JSONEncoder`.

extension NotificationWithCounts: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.key("counts")
            counts.write(to: &writer)
            writer.key("notification")
            notification.write(to: &writer, rendered: notificationJSON)
        }
    }
}

extension CountsOnly: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.key("counts")
            counts.write(to: &writer)
        }
    }
}

extension NotificationList: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.key("next_cursor")
            writer.string(nextCursor)
            writer.key("notifications")
            writer.array(notifications) { $1.write(to: &$0) }
        }
    }
}

extension ErrorBody.Detail: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.key("code")
            writer.string(code)
            writer.key("message")
            writer.string(message)
        }
    }
}

extension ErrorBody: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.key("error")
            error.write(to: &writer)
        }
    }
}

extension BatchResponse: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.key("results")
            writer.array(results) { writer, result in
                writer.object { writer in
                    if let error = result.error {
                        writer.key("error")
                        error.write(to: &writer)
                    }
                    if let notification = result.notification {
                        writer.key("notification")
                        notification.write(to: &writer, rendered: result.notificationJSON)
                    }
                    writer.key("status")
                    writer.int(result.status)
                }
            }
        }
    }
}
