import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether `herald serve` got as far as listening, so that an error before that is told to the
/// operator as a start-up error (`cannot listen on 127.0.0.1:8080: address already in use`, exit
/// status 2) rather than as NIO's description of a failed `bind`.
final class ListenFailure: Sendable {
    private let listening = Atomic<Bool>(false)

    /// Called once the server listens.
    func markListening() { listening.store(true, ordering: .releasing) }

    /// The start-up error `error` stands for when the server never listened and `error` is a
    /// socket's, or nil (then it is thrown as it is: the running server's, or another service's).
    func startupError(_ error: any Error, host: String, port: Int) -> ConfigurationError? {
        guard !listening.load(ordering: .acquiring), let reason = Self.reason(error) else { return nil }
        return ConfigurationError(message: "cannot listen on \(Serve.hostAndPort(host, port)): \(reason)")
    }

    /// A socket error in the operator's words: the system's reason for a socket call that failed,
    /// "no such host" for a name that does not resolve; nil for any other error.
    static func reason(_ error: any Error) -> String? {
        if let failed = error as? IOError {
            return String(cString: strerror(failed.errnoCode)).lowercased()
        }
        if let unknown = error as? SocketAddressError.UnknownHost {
            return "no such host (\(unknown.errorDescription.lowercased()))"
        }
        return nil
    }
}
