import Logging
import PostgresNIO
import SwitchboardStorage
import SwitchboardCore
// The one underscored import: postgres-nio passes its pool's `ConnectionPoolError` (circuit breaker tripped,
// request withdrawn) on unwrapped, and declares that type only in this module of its own.
import _ConnectionPoolModule

/// How a driver error reads to the rest of Switchboard.
enum PostgresErrorKind: Equatable {
    /// A constraint rejected the write: the `StoreError` it is (duplicate, missing reference, other).
    case constraint(StoreError)
    /// Deadlock or serialization failure: the transaction may simply be run again.
    case retryable
    /// Text PostgreSQL cannot store (a NUL, or bytes that are not UTF-8). `BoundText` cuts bound text at its first
    /// NUL as SQLite does, so this is a last resort: refused as invalid input rather than a 500.
    case unstorableText
    /// The connection failed or the database went away: the pool may need replacing (`RenewablePostgresClient`).
    case disconnected(String)
    /// The database is refusing us or too slow, over a connection that works.
    case unavailable(String)
    /// Anything else: a bug, passed on as it is.
    case other

    /// An error of postgres-nio's connection pool itself, as opposed to the server's or the connection's.
    static func isPoolError(_ error: any Error) -> Bool { error is ConnectionPoolError }

    init(_ error: any Error) {
        switch error {
        case let error as PostgresTransactionError:
            // The first thing that went wrong; a failed ROLLBACK after it says nothing new.
            if let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
                self.init(cause)
            } else {
                self = .other
            }
        case let error as PSQLError:
            self.init(error)
        case is ConnectionPoolError:
            // The pool's circuit breaker: connections have been failing for a while.
            self = .disconnected("the database cannot be reached")
        default:
            self = .other
        }
    }

    private init(_ error: PSQLError) {
        if let state = error.serverInfo?[.sqlState] {
            switch state.prefix(2) {
            case "23" where state == "23505": self = .constraint(.duplicate)
            // A message's key to its conversation fails only when `insertRows` left the conversation
            // uncreated because its contact already has another: that is the duplicate SQLite reports.
            case "23" where state == "23503" && error.serverInfo?[.tableName] == "messages":
                self = .constraint(.duplicate)
            case "23" where state == "23503": self = .constraint(.missingReference)
            case "23": self = .constraint(.constraintViolated(error.serverInfo?[.message] ?? "SQLSTATE \(state)"))
            case "22" where state == "22021" || state == "22P05": self = .unstorableText
            case "40" where state == "40001" || state == "40P01": self = .retryable
            // Connection exceptions; the server shutting down or not yet accepting connections.
            case "08":
                self = .disconnected("the database is unavailable")
            case "57" where state != "57014":
                self = .disconnected("the database is unavailable")
            case "57":
                self = .unavailable("the database did not answer in time")
            // Bad credentials or database, resource limits, system errors.
            case "28", "3D", "53", "58":
                self = .unavailable("the database is unavailable")
            default: self = .other
            }
            return
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
            .sslUnsupported, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest,
            .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            self = .disconnected("the database connection failed")
        default:
            self = .other
        }
    }
}
