import SwitchboardPostgres
import Testing

@Suite struct PostgresURLTests {
    @Test func fullURL() throws {
        let options = try PostgresOptions(url: "postgres://app:secret@db.example.com:6543/switchboard?sslmode=require")
        #expect(options.host == "db.example.com")
        #expect(options.port == 6543)
        #expect(options.username == "app")
        #expect(options.password == "secret")
        #expect(options.database == "switchboard")
        #expect(options.tls == .require)
        #expect(options.maximumConnections == PostgresOptions.defaultMaximumConnections)
        #expect(options.statementTimeout == PostgresOptions.defaultStatementTimeout)
        #expect(options.connectionTimeout == PostgresOptions.defaultConnectionTimeout)
    }

    @Test func postgresqlSchemeDefaultPortAndLoopbackTLS() throws {
        let options = try PostgresOptions(url: "postgresql://postgres@127.0.0.1/switchboard_test")
        #expect(options.port == 5432)
        #expect(options.password == nil)
        #expect(options.tls == .disable)
        #expect(try PostgresOptions(url: "POSTGRES://u@localhost").tls == .disable)
        #expect(try PostgresOptions(url: "postgres://u@db.internal/x").tls == .require)
        #expect(try PostgresOptions(url: "postgres://u@db.internal/x?sslmode=prefer").tls == .prefer)
        #expect(try PostgresOptions(url: "postgres://u@db.internal/x?sslmode=disable").tls == .disable)
        #expect(try PostgresOptions(url: "postgres://u@127.0.0.1/x?sslmode=verify-full").tls == .verifyFull)
    }

    @Test func percentEncodedCredentialsAndDatabase() throws {
        let options = try PostgresOptions(url: "postgres://us%40er:p%40ss%3Aw%2Fo%25rd%20%C3%A9@host:5433/my%20db")
        #expect(options.username == "us@er")
        #expect(options.password == "p@ss:w/o%rd é")
        #expect(options.database == "my db")
        // A raw '@' in the password: the last '@' ends the credentials.
        #expect(try PostgresOptions(url: "postgres://u:a@b@host/db").password == "a@b")
        // An empty password is a password, not a missing one.
        #expect(try PostgresOptions(url: "postgres://u:@host/db").password == "")
    }

    @Test func ipv6HostAndNoDatabase() throws {
        let options = try PostgresOptions(url: "postgres://u@[::1]:7000")
        #expect(options.host == "::1")
        #expect(options.port == 7000)
        #expect(options.database == nil)
        #expect(options.tls == .disable)
        #expect(try PostgresOptions(url: "postgres://u@[fe80::1]/").database == nil)
    }

    @Test func queryParameters() throws {
        let options = try PostgresOptions(
            url: "postgres://u@h/db?sslmode=prefer&connect_timeout=3&statement_timeout=2500&pool_size=7&search_path=t_1")
        #expect(options.tls == .prefer)
        #expect(options.connectionTimeout == .seconds(3))
        #expect(options.statementTimeout == .milliseconds(2500))
        #expect(options.maximumConnections == 7)
        #expect(options.searchPath == "t_1")
        let configuration = options.clientConfiguration
        #expect(configuration.options.maximumConnections == 7)
        #expect(configuration.options.connectTimeout == .seconds(3))
        // No pool timers: each one left ~1 KB behind per query for up to a minute (PostgresOptions).
        #expect(configuration.options.minimumConnections == 7)
        #expect(configuration.options.keepAliveBehavior == nil)
        let parameters = configuration.options.additionalStartupParameters
        #expect(parameters.map(\.0) == ["statement_timeout", "application_name", "search_path"])
        #expect(parameters.map(\.1) == ["2500", "switchboard", "t_1"])
        let named = try PostgresOptions(url: "postgres://u@h/db?application_name=switchboard-eu-1")
        #expect(named.clientConfiguration.options.additionalStartupParameters.map(\.1).contains("switchboard-eu-1"))
    }

    @Test func descriptionHidesThePassword() throws {
        let options = try PostgresOptions(url: "postgres://app:hunter2@db:5432/sb")
        #expect(!"\(options)".contains("hunter2"))
        #expect("\(options)" == "postgres://app:***@db:5432/sb?sslmode=require")
    }

    @Test(arguments: [
        ("", "expected postgres://"),
        ("mysql://u@h/db", "scheme"),
        ("postgres:/u@h/db", "expected postgres://"),
        ("postgres://h/db", "user is missing"),
        ("postgres://@h/db", "user is empty"),
        ("postgres://u@/db", "host is missing"),
        ("postgres://u@h:/db", "port"),
        ("postgres://u@h:0/db", "port"),
        ("postgres://u@h:65536/db", "port"),
        ("postgres://u@h:54x2/db", "port"),
        ("postgres://u@h:-1/db", "port"),
        ("postgres://u@h1,h2/db", "host may contain"),
        ("postgres://u@h h/db", "host may contain"),
        ("postgres://u@[::1/db", "missing ']'"),
        ("postgres://u@[::1]x/db", "after the IPv6 host"),
        ("postgres://u@[zz]/db", "IPv6 host is malformed"),
        ("postgres://u:p%zz@h/db", "password has a malformed %-escape"),
        ("postgres://u:p%4@h/db", "password has a malformed %-escape"),
        ("postgres://u%FF@h/db", "user is not valid UTF-8"),
        ("postgres://u%00@h/db", "NUL"),
        ("postgres://u@h/a/b", "must not contain '/'"),
        ("postgres://u@h/db#frag", "fragment"),
        ("postgres://u@h/db?sslmode=maybe", "sslmode must be"),
        ("postgres://u@h/db?sslmode", "has no value"),
        ("postgres://u@h/db?sslmode=disable&sslmode=require", "repeated"),
        ("postgres://u@h/db?connect_timeout=0", "connect_timeout"),
        ("postgres://u@h/db?statement_timeout=-5", "statement_timeout"),
        ("postgres://u@h/db?pool_size=0", "pool_size"),
        ("postgres://u@h/db?pool_size=abc", "pool_size"),
        ("postgres://u@h/db?user=x", "unknown query parameter user"),
        ("postgres://u@h/db?application_name=", "application_name must be 1 to 63 bytes"),
        ("postgres://u@h/db?application_name=\(String(repeating: "a", count: 64))", "application_name must be 1 to 63 bytes"),
    ])
    func malformedURLsAreRefusedWithAReason(url: String, reason: String) throws {
        let error = try #require(throws: PostgresURLError.self) { try PostgresOptions(url: url) }
        #expect(error.description.contains(reason), "\(error)")
    }

    @Test func errorsNeverEchoThePassword() throws {
        let error = try #require(throws: PostgresURLError.self) {
            try PostgresOptions(url: "postgres://u:secret@h:99999/db")
        }
        #expect(error.description.contains("port"))
        #expect(!error.description.contains("secret"))
    }
}
