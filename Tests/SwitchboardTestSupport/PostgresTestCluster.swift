public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A PostgreSQL cluster of its own (scripts/postgres.sh), for a test that stops and starts the database while the
/// cluster every other test shares stays up.
///
/// Nothing here goes through Foundation's `Process`: on Linux it learns that a child ended when a descriptor the
/// child inherited is closed, and the postmaster that `pg_ctl start` leaves running inherits it and never closes it,
/// so `waitUntilExit` never returned and `runuser` was left defunct. Commands run as a `ChildProcess` (posix_spawn,
/// no descriptor inherited, waitpid); the server is stopped with a signal.
public struct PostgresTestCluster: Sendable {
    /// `postgres://postgres@127.0.0.1:PORT/switchboard_test`
    public let url: String
    public let dataDirectory: String
    let bin: String
    let owner: String

    /// Starts a new cluster, runs `body` with it, then stops and deletes the cluster, also when `body` throws.
    public static func with<T>(_ body: (PostgresTestCluster) async throws -> T) async throws -> T {
        let cluster = try await start()
        let result: T
        do {
            result = try await body(cluster)
        } catch {
            try? await cluster.delete()
            throw error
        }
        try await cluster.delete()
        return result
    }

    /// The postmaster's pid, from the first line of `postmaster.pid`; nil when the server is not running.
    public var serverPID: pid_t? {
        guard let contents = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = contents.split(separator: "\n").first
        else { return nil }
        return pid_t(first.trimmingCharacters(in: .whitespaces))
    }

    /// Stops the server as an outage does, without the clients being told: SIGINT, PostgreSQL's fast shutdown (what
    /// `pg_ctl stop -m fast` sends), then waits until the postmaster has removed its pid file.
    public func stopServer(timeout: Duration = .seconds(60)) async throws {
        guard let pid = serverPID else { throw PostgresTestSetupError(description: "the cluster is not running") }
        guard kill(pid, SIGINT) == 0 else {
            throw PostgresTestSetupError(description: "kill(\(pid), SIGINT) failed: errno \(errno)")
        }
        let deadline = ContinuousClock.now + timeout
        while FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") {
            guard ContinuousClock.now < deadline else {
                throw PostgresTestSetupError(description: "PostgreSQL (pid \(pid)) did not stop within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Freezes the server as a hung host or a network that drops packets does: its connections stay open and
    /// nothing on them is answered (SIGSTOP to the postmaster and every process it started).
    public func freezeServer() throws { try signalServer(SIGSTOP) }

    /// Lets a frozen server go on (SIGCONT).
    public func thawServer() throws { try signalServer(SIGCONT) }

    private func signalServer(_ signal: Int32) throws {
        guard let postmaster = serverPID else { throw PostgresTestSetupError(description: "the cluster is not running") }
        for pid in [postmaster] + Self.children(of: postmaster) where kill(pid, signal) != 0 && errno != ESRCH {
            throw PostgresTestSetupError(description: "kill(\(pid), \(signal)) failed: errno \(errno)")
        }
    }

    /// The processes whose parent is `parent`, from /proc/PID/stat ("pid (name) state ppid …").
    private static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let nameEnd = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent ? pid : nil
        }
    }

    /// Starts the server again on the same data directory and port; returns once it accepts connections.
    public func startServer() async throws {
        try await Self.runScript(#"source "$1" && switchboard_postgres_pg_ctl start"#, environment: exports)
    }

    var exports: [String: String] {
        [
            "SWITCHBOARD_TEST_POSTGRES_URL": url, "SWITCHBOARD_TEST_POSTGRES_DATA": dataDirectory,
            "SWITCHBOARD_TEST_POSTGRES_BIN": bin, "SWITCHBOARD_TEST_POSTGRES_OS_USER": owner,
        ]
    }

    static func start() async throws -> PostgresTestCluster {
        // The cluster outlives this bash: standalone, so the script does not mark the bash as its creator.
        let output = try await runScript(
            """
            source "$1" && _SWITCHBOARD_POSTGRES_STANDALONE=1 switchboard_postgres_start && printf '%s\\n' \
                "$SWITCHBOARD_TEST_POSTGRES_URL" "$SWITCHBOARD_TEST_POSTGRES_DATA" "$SWITCHBOARD_TEST_POSTGRES_BIN" \
                "$SWITCHBOARD_TEST_POSTGRES_OS_USER"
            """, environment: [:])
        let lines = output.split(separator: "\n").map(String.init)
        guard lines.count == 4 else {
            throw PostgresTestSetupError(description: "scripts/postgres.sh printed \(lines) instead of 4 lines")
        }
        let cluster = PostgresTestCluster(url: lines[0], dataDirectory: lines[1], bin: lines[2], owner: lines[3])
        // Its creator is this process: should it die without deleting the cluster, the next start reaps it.
        let marker = URL(fileURLWithPath: cluster.dataDirectory).deletingLastPathComponent()
            .appendingPathComponent("creator.pid")
        try "\(getpid())\n".write(to: marker, atomically: true, encoding: .utf8)
        return cluster
    }

    /// A streaming replica (hot standby, `pg_basebackup -R`) of the cluster the tests of this process share, on a
    /// port of its own; `delete()` it when done.
    public static func standbyOfSharedCluster() async throws -> PostgresTestCluster {
        let environment = ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("SWITCHBOARD_TEST_POSTGRES_") }
        guard let bin = environment["SWITCHBOARD_TEST_POSTGRES_BIN"] else {
            throw PostgresTestSetupError(description: "no shared cluster to replicate: run the tests through scripts/test.sh")
        }
        let output = try await runScript(#"source "$1" && switchboard_postgres_start_standby"#, environment: environment)
        let lines = output.split(separator: "\n").map(String.init)
        guard lines.count == 2 else {
            throw PostgresTestSetupError(description: "switchboard_postgres_start_standby printed \(lines) instead of 2 lines")
        }
        let standby = PostgresTestCluster(
            url: lines[0], dataDirectory: lines[1], bin: bin,
            owner: environment["SWITCHBOARD_TEST_POSTGRES_OS_USER"] ?? NSUserName())
        // Reaped by the next start should this process die without deleting it.
        let marker = URL(fileURLWithPath: standby.dataDirectory).deletingLastPathComponent()
            .appendingPathComponent("creator.pid")
        try "\(getpid())\n".write(to: marker, atomically: true, encoding: .utf8)
        return standby
    }

    /// Stops the server and deletes the cluster's directory.
    public func delete() async throws {
        try await Self.runScript(#"source "$1" && switchboard_postgres_stop"#, environment: exports)
    }

    /// Runs `command` in bash with scripts/postgres.sh as `$1`, and returns its standard output.
    /// `SWITCHBOARD_TEST_POSTGRES_*` come from `environment` alone, never from the shared cluster of this process.
    @discardableResult
    static func runScript(_ command: String, environment: [String: String], file: StaticString = #filePath)
        async throws -> String
    {
        // Tests/SwitchboardTestSupport/PostgresTestCluster.swift → the package root.
        let root = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/postgres.sh").path
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWITCHBOARD_TEST_POSTGRES_") }
        merged.merge(environment) { $1 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-spawn-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stdout = directory.appendingPathComponent("stdout").path
        let stderr = directory.appendingPathComponent("stderr").path
        let status = try await ChildProcess(
            ["/bin/bash", "-c", command, "bash", script], environment: merged, stdout: .file(stdout),
            stderr: .file(stderr)
        ).exitStatus()
        let output = (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let errors = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
            throw PostgresTestSetupError(description: "`\(command)` exited with \(status): \(errors)")
        }
        return output
    }
}
