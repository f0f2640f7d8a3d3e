public import Logging
public import SwitchboardCore

/// Where the client sends requests and how. The library's initialiser talks to HighLevel itself unless given another
/// `baseURL`; the CLI's `resolve` talks to a local Switchboard unless told otherwise, so that a forgotten flag never
/// sends a token, or a message, to production.
public struct ClientConfiguration: Sendable {
    public static let highLevelBaseURL = "https://services.leadconnectorhq.com"
    /// Where `switchboard serve` listens by default.
    public static let localBaseURL = "http://127.0.0.1:8080"

    /// The environment variables the CLI reads, named in this one place. `SWITCHBOARD_*` (what `serve` prints to
    /// export) come before `HIGHLEVEL_*`.
    public enum EnvironmentKey {
        public static let token = "SWITCHBOARD_TOKEN"
        public static let baseURL = "SWITCHBOARD_BASE_URL"
        public static let locationId = "SWITCHBOARD_LOCATION_ID"
        public static let highLevelToken = "HIGHLEVEL_TOKEN"
        public static let highLevelBaseURL = "HIGHLEVEL_BASE_URL"
        public static let highLevelLocationId = "HIGHLEVEL_LOCATION_ID"
        public static let apiVersion = "HIGHLEVEL_API_VERSION"

        /// The first of `keys` set to a non-empty value.
        public static func first(_ keys: String..., in environment: [String: String]) -> String? {
            keys.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
    }

    /// `https://services.leadconnectorhq.com` or a Switchboard server such as `http://127.0.0.1:8080`.
    public var baseURL: String
    /// A private integration token (`pit-…`) or an OAuth access token, sent as `Authorization: Bearer`.
    public var token: String
    /// The `Version` header: `2021-04-15` (HighLevel's v2 docs), `2021-07-28`, `2023-02-21` or `v3`.
    public var apiVersion: APIVersion
    /// The longest one attempt may take, from sending to the last byte of the response.
    public var requestTimeout: Duration
    /// Responses larger than this are refused rather than buffered.
    public var maximumResponseBytes: Int
    public var retryPolicy: RetryPolicy
    /// Where request, retry and failure lines go; nil logs through `Logger.current`.
    public var logger: Logger?
    /// Sent as `User-Agent`: HighLevel's CDN turns away some default agents (CONTRACT.md §8).
    public var userAgent: String
    /// Told of each wait before a retry, before the wait begins (a CLI shows it; the log has it at `notice`).
    public var onRetry: (@Sendable (RetryNotice) -> Void)?

    public init(
        baseURL: String = ClientConfiguration.highLevelBaseURL, token: String,
        apiVersion: APIVersion = .v2021_04_15, requestTimeout: Duration = .seconds(30),
        maximumResponseBytes: Int = 32 << 20, retryPolicy: RetryPolicy = .default, logger: Logger? = nil,
        userAgent: String = "switchboard-swift-client/1.0"
    ) {
        self.baseURL = baseURL
        self.token = token
        self.apiVersion = apiVersion
        self.requestTimeout = requestTimeout
        self.maximumResponseBytes = maximumResponseBytes
        self.retryPolicy = retryPolicy
        self.logger = logger
        self.userAgent = userAgent
    }

    public struct InvalidValue: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Flag, then environment variables (`SWITCHBOARD_*`, then `HIGHLEVEL_*`), then default: the local server,
    /// never HighLevel, which must be named. Pure, so it is tested with a dictionary.
    /// The token has no default: a missing token is an error that names the ways to give one.
    public static func resolve(
        baseURL: String?, token: String?, apiVersion: String?, environment: [String: String]
    ) throws(InvalidValue) -> ClientConfiguration {
        let resolvedToken = token ?? EnvironmentKey.first(EnvironmentKey.token, EnvironmentKey.highLevelToken, in: environment)
        guard let resolvedToken, !resolvedToken.isEmpty else {
            throw InvalidValue(
                "no token: pass --token or set \(EnvironmentKey.token) (`switchboard serve` prints one on its first start)")
        }
        let rawBaseURL = baseURL
            ?? EnvironmentKey.first(EnvironmentKey.baseURL, EnvironmentKey.highLevelBaseURL, in: environment)
            ?? localBaseURL
        let rawVersion = apiVersion ?? environment[EnvironmentKey.apiVersion] ?? APIVersion.v2021_04_15.rawValue
        guard let version = APIVersion(rawValue: rawVersion) else {
            let known = APIVersion.allCases.map(\.rawValue).joined(separator: ", ")
            throw InvalidValue("unknown API version '\(rawVersion)'; known versions: \(known)")
        }
        return ClientConfiguration(
            baseURL: try normalizedBaseURL(rawBaseURL), token: resolvedToken, apiVersion: version)
    }

    /// `http(s)://host[:port][/prefix]` without a trailing slash, so paths can be appended.
    public static func normalizedBaseURL(_ raw: String) throws(InvalidValue) -> String {
        var url = raw.trimmingSpaces
        while url.hasSuffix("/") { url.removeLast() }
        let lowercased = url.lowercased()
        guard lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://"),
            url.split(separator: "/", omittingEmptySubsequences: true).count >= 2, !url.contains("?"),
            !url.contains("#")
        else {
            throw InvalidValue("base URL must look like https://host[:port], not '\(raw)'")
        }
        return url
    }
}

/// A retry about to happen: why, and how long the client waits first.
public struct RetryNotice: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        /// 429: the server's rate limit.
        case rateLimited
        /// Another status the policy retries (5xx).
        case status(Int)
        /// The request did not reach the server, or its answer did not come back.
        case transport
    }

    public var reason: Reason
    /// The attempt that failed (1 for the first).
    public var attempt: Int
    public var wait: Duration

    /// One line for a person: `rate limited by the server, waiting 8 s`.
    public var description: String {
        let seconds = max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
        let waiting = "waiting \(seconds) s"
        switch reason {
        case .rateLimited: return "rate limited by the server, \(waiting)"
        case .status(let status): return "the server answered \(status), retrying after \(waiting)"
        case .transport: return "no answer from the server, retrying after \(waiting)"
        }
    }
}
