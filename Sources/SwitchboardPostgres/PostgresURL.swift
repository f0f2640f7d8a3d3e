/// A `postgres://` URL that cannot be used, and why. The message never contains the password.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "invalid PostgreSQL URL: \(message)" }
}

extension PostgresOptions {
    /// The query parameters a URL may carry.
    public static let urlParameters = [
        "sslmode", "connect_timeout", "statement_timeout", "pool_size", "search_path", "application_name",
    ]

    /// Parses `postgres://user:password@host:port/database?sslmode=disable` (or `postgresql://`).
    ///
    /// - user and password are percent-decoded; the user is required.
    /// - the port defaults to 5432; an IPv6 host goes in brackets (`[::1]`).
    /// - query parameters: `sslmode` (libpq's values), `connect_timeout` (seconds), `statement_timeout`
    ///   (milliseconds, 0 for none), `pool_size` (the connections the pool opens and keeps), `search_path`, `application_name` (what
    ///   `pg_stat_activity` shows for each connection; default `switchboard`). Anything else is refused, so a typo
    ///   cannot silently fall back to a default.
    public init(url: String) throws(PostgresURLError) {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw PostgresURLError("expected postgres://user:password@host:port/database")
        }
        let scheme = url[..<colon].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError("the scheme must be postgres:// or postgresql://")
        }
        let rest = url[url.index(colon, offsetBy: 3)...]
        guard !rest.contains("#") else { throw PostgresURLError("a fragment (#…) is not allowed") }
        let (beforeQuery, query) = Self.split(rest, at: "?")
        let (authority, path) = Self.split(beforeQuery, at: "/")

        guard let at = authority.lastIndex(of: "@") else {
            throw PostgresURLError("the user is missing (postgres://user@host/database)")
        }
        let (rawUser, rawPassword) = Self.split(authority[..<at], at: ":")
        let username = try Self.percentDecoded(rawUser, what: "user")
        guard !username.isEmpty else { throw PostgresURLError("the user is empty") }
        let password = try rawPassword.map { raw throws(PostgresURLError) in try Self.percentDecoded(raw, what: "password") }
        let (host, port) = try Self.hostAndPort(authority[authority.index(after: at)...])

        var database: String?
        if let path, !path.isEmpty {
            guard !path.contains("/") else { throw PostgresURLError("the database name must not contain '/'") }
            database = try Self.percentDecoded(path, what: "database name")
        }

        self.init(host: host, port: port, username: username, password: password, database: database)
        if let query { try applyQuery(query) }
    }

    private mutating func applyQuery(_ query: Substring) throws(PostgresURLError) {
        var seen = Set<String>()
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (rawName, rawValue) = Self.split(pair, at: "=")
            let name = try Self.percentDecoded(rawName, what: "query parameter name")
            guard let rawValue else { throw PostgresURLError("query parameter \(name) has no value") }
            let value = try Self.percentDecoded(rawValue, what: "query parameter \(name)")
            guard seen.insert(name).inserted else { throw PostgresURLError("query parameter \(name) is repeated") }
            switch name {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require": tls = .require
                case "verify-ca": tls = .verifyCA
                case "verify-full": tls = .verifyFull
                default:
                    throw PostgresURLError(
                        "sslmode must be disable, allow, prefer, require, verify-ca or verify-full")
                }
            case "connect_timeout":
                guard let seconds = Int64(value), seconds > 0, seconds <= 86_400 else {
                    throw PostgresURLError("connect_timeout must be a whole number of seconds from 1 to 86400")
                }
                connectionTimeout = .seconds(seconds)
            case "statement_timeout":
                guard let milliseconds = Int64(value), milliseconds >= 0, milliseconds <= Int64(Int32.max) else {
                    throw PostgresURLError("statement_timeout must be a whole number of milliseconds (0 for none)")
                }
                statementTimeout = .milliseconds(milliseconds)
            case "pool_size":
                guard let size = Int(value), size >= 1, size <= 10_000 else {
                    throw PostgresURLError("pool_size must be a whole number from 1 to 10000")
                }
                maximumConnections = size
            case "search_path":
                guard !value.isEmpty else { throw PostgresURLError("search_path is empty") }
                searchPath = value
            case "application_name":
                // PostgreSQL keeps 63 bytes of it; a name that long is a mistake worth saying.
                guard !value.isEmpty, value.utf8.count <= 63 else {
                    throw PostgresURLError("application_name must be 1 to 63 bytes")
                }
                applicationName = value
            default:
                throw PostgresURLError(
                    "unknown query parameter \(name) (allowed: \(Self.urlParameters.joined(separator: ", ")))")
            }
        }
    }

    /// Splits at the first `separator`; the second part is nil when there is none.
    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }

    private static func hostAndPort(_ text: Substring) throws(PostgresURLError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw PostgresURLError("an IPv6 host is missing ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw PostgresURLError("unexpected text after the IPv6 host") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw PostgresURLError("the IPv6 host is malformed")
            }
        } else {
            (host, portText) = split(text, at: ":")
            guard !host.isEmpty else { throw PostgresURLError("the host is missing") }
            guard host.utf8.allSatisfy(isHostByte) else {
                throw PostgresURLError("the host may contain only letters, digits, '.', '-' and '_' (one host only)")
            }
        }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), portText.count <= 5,
                let number = Int(portText), (1...65535).contains(number)
            else { throw PostgresURLError("the port must be a number from 1 to 65535") }
            port = number
        }
        return (String(host), port)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// RFC 3986 percent-decoding; malformed escapes and invalid UTF-8 are errors, not guesses.
    static func percentDecoded(_ text: Substring, what: String) throws(PostgresURLError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw PostgresURLError("the \(what) has a malformed %-escape")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw PostgresURLError("the \(what) is not valid UTF-8 once %-decoded")
        }
        guard !decoded.utf8.contains(0) else { throw PostgresURLError("the \(what) contains a NUL byte") }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
