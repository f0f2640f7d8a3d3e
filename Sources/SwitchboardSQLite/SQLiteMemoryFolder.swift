import Foundation
import Synchronization

/// Where `--database :memory:` keeps its store: a private folder on a RAM-backed file system (`/dev/shm` where there
/// is one), so that the store is the same WAL database with the same connections as a file, yet nothing reaches the
/// disk. The folder goes when the process exits; one left by a process that was killed is removed by the next
/// process that makes one.
enum SQLiteMemoryFolder {
    static let prefix = "switchboard-memory-"
    private static let made = Mutex<[String]>([])

    /// A new folder (mode 0700) and the database path inside it.
    static func make() throws -> String {
        let root = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        removeAbandoned(in: root)
        let name = "\(prefix)\(getpid())-\(UInt64.random(in: .min ... .max))"
        let folder = URL(fileURLWithPath: root).appendingPathComponent(name).path
        guard mkdir(folder, 0o700) == 0 else {
            throw SQLiteFile.Refusal(description: "cannot make an in-memory store in \(root): \(String(cString: strerror(errno)))")
        }
        let registerExit = made.withLock { folders in
            folders.append(folder)
            return folders.count == 1
        }
        if registerExit { atexit { SQLiteMemoryFolder.removeAll() } }
        return URL(fileURLWithPath: folder).appendingPathComponent("switchboard.sqlite").path
    }

    private static func removeAll() {
        for folder in made.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Folders of processes that no longer run.
    private static func removeAbandoned(in root: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names where name.hasPrefix(prefix) {
            let owner = name.dropFirst(prefix.count).split(separator: "-").first.flatMap { pid_t($0) }
            if let owner, owner != getpid(), kill(owner, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).appendingPathComponent(name).path)
            }
        }
    }
}
