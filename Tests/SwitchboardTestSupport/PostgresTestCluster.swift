import Foundation

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
/// so `waitUntilExit` never returned and `runuser` was left defunct. Commands run through `posix_spawn` with every
/// descriptor above 2 closed, and are reaped with `waitpid`; the server is stopped with a signal.
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

    /// Stops the server and deletes the cluster's directory.
    func delete() async throws {
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
        let status = try await ChildProcess.run(
            ["/bin/bash", "-c", command, "bash", script], environment: merged, stdout: stdout, stderr: stderr)
        let output = (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let errors = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
            throw PostgresTestSetupError(description: "`\(command)` exited with \(status): \(errors)")
        }
        return output
    }
}

/// `posix_spawn` and `waitpid`, for commands that leave daemons behind (see `PostgresTestCluster`).
enum ChildProcess {
    /// Runs `arguments` (the first is an absolute path) to its end: stdin from /dev/null, stdout and stderr into the
    /// given files, no other descriptor inherited. Returns the exit status (128 + the signal if killed).
    static func run(
        _ arguments: [String], environment: [String: String], stdout: String, stderr: String,
        timeout: Duration = .seconds(120)
    ) async throws -> Int32 {
        guard let executable = arguments.first else { throw PostgresTestSetupError(description: "no command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Sockets and pipes of other tests must not live on in a daemon, nor in the bash that starts it.
        addCloseFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The test process may block or ignore signals (SIGPIPE); the child starts with the defaults.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw PostgresTestSetupError(description: "posix_spawn \(executable) failed: \(String(cString: strerror(spawned)))")
        }

        // Polled, so no thread of the cooperative pool blocks in waitpid.
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped == -1 && errno != EINTR {
                throw PostgresTestSetupError(description: "waitpid(\(pid)) failed: errno \(errno)")
            }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw PostgresTestSetupError(description: "\(arguments) did not finish within \(timeout)")
            }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                // Cancelled: still reap the child, so it is not left defunct.
                _ = waitpid(pid, &status, 0)
                throw error
            }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34), which Swift's Glibc module does not import.
    /// Without it (another libc) scripts/postgres.sh still closes them before it starts the server.
    private static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
    }
}
