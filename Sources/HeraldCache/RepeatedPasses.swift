/// Runs `pass` every `interval` until the task is cancelled (the server stopping), never once
/// after: an audit's loop.
func repeatPasses(every interval: Duration, _ pass: () async -> Void) async {
    while true {
        do {
            try await Task.sleep(for: interval)
        } catch {
            return
        }
        await pass()
    }
}
