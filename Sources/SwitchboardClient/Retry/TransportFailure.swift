import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a failure without a response says about the request: only a failure before the connection existed proves
/// the server never saw it.
enum TransportFailure: Sendable, Equatable {
    /// The connection was never made (refused, connect timeout, TLS handshake): safe to send again, even a POST.
    case notSent
    /// It broke or timed out after the request may have gone out: only safe to repeat if repeating is harmless.
    case maybeSent
    /// Not a network condition (a bad URL, a body over the size limit, cancellation): never retried.
    case fatal

    static func classify(_ error: any Error) -> TransportFailure {
        switch error {
        case is CancellationError:
            return .fatal
        case is NIOConnectionError:
            return .notSent
        case let error as ChannelError:
            if case .connectTimeout = error { return .notSent }
            return .maybeSent
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout,
                .httpProxyHandshakeTimeout:
                return .notSent
            case .readTimeout, .writeTimeout, .remoteConnectionClosed, .deadlineExceeded, .uncleanShutdown:
                return .maybeSent
            default:
                return .fatal
            }
        case let error as IOError:
            // These errnos only come from connect(2): nothing was sent.
            let connectErrors: Set<CInt> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL]
            return connectErrors.contains(error.errnoCode) ? .notSent : .maybeSent
        default:
            return .fatal
        }
    }

    /// A short reason for one-line error messages (the underlying descriptions run long).
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            let causes = error.connectionErrors.map { "\($0.error)" }
            let detail = causes.isEmpty ? (error.dnsAError ?? error.dnsAAAAError).map { "\($0)" } : causes.first
            return "could not connect to \(error.host):\(error.port)" + (detail.map { " (\($0))" } ?? "")
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout: return "timed out connecting"
            case .getConnectionFromPoolTimeout: return "timed out waiting for a connection"
            case .readTimeout: return "timed out waiting for the response"
            case .deadlineExceeded: return "timed out"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        case let error as IOError:
            return "\(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))"
        case is NIOTooManyBytesError:
            return "the response is larger than the client accepts"
        default:
            return "\(error)"
        }
    }
}
