import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import SwitchboardTestSupport
import Testing

/// Issue 21: two instances on one PostgreSQL behind a real nginx, configured by docs/nginx/switchboard-cluster.conf
/// (the file users copy, its ports replaced): the API through it, and an instance killed with SIGKILL under load
/// with no acknowledged write lost and the other instance serving on.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LoadBalancedClusterTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/nginx/switchboard-cluster.conf")

    /// nginx in the foreground, in a folder of its own.
    final class Balancer: Sendable {
        let process: ChildProcess
        let port: Int
        let folder: URL

        init(upstreams: [Int]) async throws {
            guard let nginx = ProcessInfo.processInfo.environment["SWITCHBOARD_NGINX"], !nginx.isEmpty else {
                throw TestFailure("SWITCHBOARD_NGINX is not set: run scripts/test.sh, or point it at nginx")
            }
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-nginx-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // nginx's workers may run as another user (when the tests run as root): they read the folder.
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
            var cluster = try String(contentsOf: LoadBalancedClusterTests.example, encoding: .utf8)
            port = try freePort()
            cluster = cluster.replacingOccurrences(of: "listen 8080;", with: "listen 127.0.0.1:\(port);")
            for (index, upstream) in upstreams.enumerated() {
                cluster = cluster.replacingOccurrences(of: "127.0.0.1:\(8081 + index) ", with: "127.0.0.1:\(upstream) ")
            }
            try cluster.write(to: folder.appendingPathComponent("cluster.conf"), atomically: true, encoding: .utf8)
            let main = """
                daemon off;
                worker_processes 1;
                pid \(folder.path)/nginx.pid;
                error_log \(folder.path)/error.log;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path \(folder.path)/body;
                    proxy_temp_path \(folder.path)/proxy;
                    include \(folder.path)/cluster.conf;
                }
                """
            try main.write(to: folder.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            process = try ChildProcess(
                [nginx, "-c", folder.appendingPathComponent("nginx.conf").path, "-p", folder.path], stderr: .pipe)
            for _ in 0..<100 {
                if let (status, _) = try? await Self.get(port: port, "/healthz", headers: [:]), status == 200 { return }
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let log = (try? String(contentsOf: folder.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
            throw TestFailure("nginx did not start: \(log)")
        }

        static func get(port: Int, _ path: String, headers: [String: String]) async throws -> (Int, String) {
            try await httpExchange("http://127.0.0.1:\(port)\(path)", .GET, headers: headers)
        }

        func send(_ method: HTTPMethod, _ path: String, headers: [String: String], json: String? = nil) async throws
            -> (Int, String)
        {
            try await httpExchange("http://127.0.0.1:\(port)\(path)", method, headers: headers, json: json)
        }

        func stop() {
            kill(process.processIdentifier, SIGQUIT)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    static func start() async throws -> (ServerProcess, ServerProcess, Balancer) {
        // As the example's comment starts them.
        let (first, second) = try await PostgresServerTests.twoInstances(
            arguments: ["--rate-limit", "off", "--trusted-proxy", "127.0.0.1"])
        do {
            return (first, second, try await Balancer(upstreams: [first.port, second.port]))
        } catch {
            first.stop()
            second.stop()
            throw error
        }
    }

    /// A contact, a message, its page and the message by id through nginx, with the instances' exact answers.
    @Test func theAPIAnswersThroughTheBalancer() async throws {
        let (first, second, balancer) = try await Self.start()
        defer { balancer.stop(); first.stop(); second.stop() }
        let headers = ["Authorization": "Bearer \(first.token)", "Version": "2021-04-15"]
        let (contactStatus, contactBody) = try await balancer.send(
            .POST, "/contacts/", headers: headers, json: #"{"locationId":"\#(first.location)","firstName":"Via nginx"}"#)
        #expect(contactStatus == 201)
        let contactId = try #require(
            ((try JSONSerialization.jsonObject(with: Data(contactBody.utf8)) as? [String: Any])?["contact"]
                as? [String: Any])?["id"] as? String)
        let (sentStatus, sentBody) = try await balancer.send(
            .POST, "/conversations/messages", headers: headers,
            json: #"{"type":"SMS","contactId":"\#(contactId)","message":"through the balancer"}"#)
        #expect(sentStatus == 201)
        let messageId = try #require(jsonField(sentBody, "messageId"))
        let conversation = try #require(jsonField(sentBody, "conversationId"))
        for _ in 0..<3 {  // cached after the first, on whichever instance answers
            let (status, body) = try await balancer.send(.GET, "/conversations/\(conversation)/messages", headers: headers)
            #expect(status == 200)
            let page = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let messages = (page?["messages"] as? [String: Any])?["messages"] as? [[String: Any]]
            #expect(messages?.map { $0["body"] as? String } == ["through the balancer"])
        }
        let direct = try await second.get("/conversations/messages/\(messageId)", headers: headers)
        let (viaStatus, viaBody) = try await balancer.send(.GET, "/conversations/messages/\(messageId)", headers: headers)
        #expect(viaStatus == 200)
        #expect(withPlaceholderTraceId(viaBody) == withPlaceholderTraceId(direct.body))
        // An error comes through as the instance answers it.
        let missing = "/conversations/messages/NoSuchMessage0000000"
        let directMissing = try await second.get(missing, headers: headers)
        let (missingStatus, missingBody) = try await balancer.send(.GET, missing, headers: headers)
        #expect(directMissing.status == 404)
        #expect(missingStatus == 404)
        #expect(withPlaceholderTraceId(missingBody) == withPlaceholderTraceId(directMissing.body))
    }

    /// Writes through nginx, one after another, while reads go on beside them; after 60 acknowledged writes the
    /// instance that took them is killed with SIGKILL. nginx sends the rest to the other instance: at most the
    /// write in flight fails (502), every acknowledged write is there, and reads go on.
    @Test func anInstanceKilledUnderLoadLosesNoAcknowledgedWrite() async throws {
        let (first, second, balancer) = try await Self.start()
        defer { balancer.stop(); first.stop(); second.stop() }
        let headers = ["Authorization": "Bearer \(first.token)", "Version": "2021-04-15"]
        let contactId = try await ToolkitCLITests.makeContact(first, location: first.location, headers: headers)
        let (_, sentBody) = try await balancer.send(
            .POST, "/conversations/messages", headers: headers,
            json: #"{"type":"SMS","contactId":"\#(contactId)","message":"first"}"#)
        let conversation = try #require(jsonField(sentBody, "conversationId"))
        let page = "/conversations/\(conversation)/messages?limit=5"

        let stopReading = Atomic(false)
        async let readStatuses: [Int] = {
            var statuses: [Int] = []
            while !stopReading.load(ordering: .relaxed) {
                statuses.append((try? await balancer.send(.GET, page, headers: headers).0) ?? 0)
                try? await Task.sleep(for: .milliseconds(5))
            }
            return statuses
        }()

        var acknowledged: [String] = []
        var failed: [Int] = []
        var killed: ServerProcess?
        for n in 0..<200 {
            if n == 60 {
                // The instance that took the writes (the token's): its stored-messages counter moved.
                let firstStored = try await first.metric("switchboard_messages_stored_total") ?? 0
                killed = firstStored > 0 ? first : second
                if let killed { kill(killed.process.processIdentifier, SIGKILL) }
            }
            let (status, body) = try await balancer.send(
                .POST, "/conversations/messages/inbound", headers: headers,
                json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contactId)","message":"w\#(n)"}"#)
            if status == 201, let id = jsonField(body, "messageId") { acknowledged.append(id) } else { failed.append(status) }
        }
        stopReading.store(true, ordering: .relaxed)
        let reads = await readStatuses
        let survivor = killed === first ? second : first
        print("balancer: \(acknowledged.count) of 200 writes acknowledged, failed \(failed); \(reads.count) reads, not 200: \(reads.filter { $0 != 200 })")
        #expect(killed != nil)
        #expect(failed.count <= 1, "failed writes: \(failed)")
        #expect(failed.allSatisfy { $0 == 502 })
        #expect(acknowledged.count >= 199)
        // Every acknowledged write, read back through nginx (now the survivor).
        for id in acknowledged {
            #expect(try await balancer.send(.GET, "/conversations/messages/\(id)", headers: headers).0 == 200, "\(id)")
        }
        #expect(try await survivor.get(page, headers: headers).status == 200)
        #expect(reads.filter { $0 != 200 }.count <= 2, "reads: \(reads.filter { $0 != 200 })")
        #expect(reads.count > 20)
    }
}
