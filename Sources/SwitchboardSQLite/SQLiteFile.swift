import Foundation
import GRDB

/// What Switchboard promises about the database file on disk.
///
/// The file holds every location's messages, token hashes and the keys access tokens are signed with, so it is
/// created readable by its owner alone (SQLite gives its `-wal` and `-shm` files the same mode), and a file that
/// others can read or write is refused unless the operator says it is meant to be shared.
public enum SQLiteFile {
    /// How much a commit survives (`PRAGMA synchronous` in WAL mode).
    public enum Durability: String, Sendable, CaseIterable {
        /// Every commit reaches the disk before it is acknowledged: survives power loss and OS crashes.
        case full
        /// Commits survive the process crashing or being killed; the last ones before a power loss or an OS crash
        /// may be lost (never corrupting the file). Fewer fsyncs, so faster writes.
        case normal

        var pragma: String {
            switch self {
            case .full: "FULL"
            case .normal: "NORMAL"
            }
        }
    }

    /// The file cannot be used as it is; the description says what to do.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Permission bits that let anyone but the owner read or write.
    static let sharedBits: mode_t = 0o066

    /// Creates the file empty with mode 0600 unless it exists (an empty file is a valid, empty SQLite database).
    /// A path that cannot be a database is refused first, naming the path and what to do.
    static func createPrivately(_ path: String) throws {
        guard path != ":memory:", !path.isEmpty else { return }
        try refuseIfUnusable(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw Refusal(description: "cannot create the database file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The usual ways a path cannot be a database, each said with its fix (SQLite itself only says "unable to open
    /// database file", or names a statement that could not write): a missing folder, a folder given as the file, a
    /// file or folder this user cannot write (SQLite writes its `-wal` and `-shm` beside the file).
    public static func refuseIfUnusable(_ path: String) throws {
        guard path != ":memory:", !path.isEmpty else { return }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Refusal(description: """
                \(path) is a folder, not a database file: pass a file path, e.g. --database \(url.appendingPathComponent("switchboard.sqlite").path)
                """)
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Refusal(description: """
                cannot create the database \(path): the folder \(folder) does not exist. Create it (mkdir -p \(folder)) \
                or pass another --database.
                """)
        }
        if access(path, F_OK) == 0, access(path, R_OK | W_OK) != 0 {
            throw Refusal(description: """
                cannot open the database \(path): this user cannot read and write it. Give it back (chmod u+rw \(path)) \
                or pass another --database.
                """)
        }
        if access(folder, W_OK | X_OK) != 0 {
            throw Refusal(description: """
                cannot use the database \(path): this user cannot write in \(folder), where SQLite keeps the \
                database's -wal and -shm files. Pass a --database in a folder you can write to.
                """)
        }
    }

    /// Throws when the file (or its `-wal`/`-shm`) can be read or written by users other than its owner.
    public static func refuseIfShared(_ path: String, alone: Bool = false) throws {
        for file in alone ? [path] : [path, path + "-wal", path + "-shm"] {
            var status = stat()
            guard stat(file, &status) == 0 else { continue }
            let mode = status.st_mode & 0o777
            if mode & sharedBits != 0 {
                throw Refusal(description: """
                    \(file) can be read or written by other users (mode \(String(mode, radix: 8))), and it holds every \
                    location's messages and the keys access tokens are signed with. Run `chmod 600 \(file)`, or pass \
                    --allow-shared-file if it is shared on purpose.
                    """)
            }
        }
    }

    static func keyFile(beside path: String) -> String { path + ".key" }

    /// Removes a database and the files beside it: SQLite's `-wal` and `-shm`, and the key file.
    public static func remove(_ path: String) {
        for file in [path, path + "-wal", path + "-shm", keyFile(beside: path)] {
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    /// The secret the signing keys are sealed under, from the key file beside the database (`<path>.key`),
    /// created with 32 random bytes and mode 0600 when missing. Nil for an in-memory database. A key file others
    /// can read is refused like a shared database file, unless `allowShared`.
    public static func keyFileSecret(beside path: String, allowShared: Bool) throws -> [UInt8]? {
        guard path != ":memory:", !path.isEmpty else { return nil }
        let keyFile = keyFile(beside: path)
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let descriptor = open(keyFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            let text = Array((Data(secret).base64EncodedString() + "\n").utf8)
            let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            let synced = fsync(descriptor)
            close(descriptor)
            guard written == text.count, synced == 0 else {
                unlink(keyFile)
                throw Refusal(description: "cannot write the key file \(keyFile)")
            }
            return secret
        }
        guard errno == EEXIST else {
            throw Refusal(description: "cannot create the key file \(keyFile): \(String(cString: strerror(errno)))")
        }
        if !allowShared { try refuseIfShared(keyFile, alone: true) }
        guard let contents = FileManager.default.contents(atPath: keyFile),
            let stored = Data(base64Encoded: String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
            stored.count >= 32
        else {
            throw Refusal(description: "\(keyFile) is not a key file Switchboard wrote (32 bytes, base64)")
        }
        return Array(stored)
    }

    /// `PRAGMA quick_check`: refuses a file whose pages or indexes are damaged, before anything is served from it.
    static func checkIntegrity(_ pool: DatabasePool, path: String) throws {
        let problems: [String]
        do {
            problems = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(5)") }
        } catch let error as DatabaseError where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode) {
            // Damage the check itself cannot read past.
            problems = [error.message ?? "\(error.resultCode)"]
        }
        guard problems != ["ok"] else { return }
        throw Refusal(description: """
            \(path) is damaged (PRAGMA quick_check: \(problems.joined(separator: "; "))). Restore it from a backup, or \
            copy out what can be read with `sqlite3 \(path) .recover`.
            """)
    }
}
