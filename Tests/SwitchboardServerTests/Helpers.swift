import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SwitchboardCore
import SwitchboardStorage
import HTTPTypes
import NIOFoundationCompat
import SwitchboardServer
import SwitchboardTestSupport
import Testing

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The error body, checked to carry a UUID trace id, returned without it for exact comparison.
    func errorBody(sourceLocation: SourceLocation = #_sourceLocation) throws -> HighLevelErrorBody {
        let decoded = try JSONDecoder().decode(HighLevelErrorBody.self, from: Data(buffer: body))
        #expect(decoded.traceId.flatMap(UUID.init(uuidString:)) != nil, "traceId missing", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        return decoded.withoutTraceId
    }

    func page() throws -> MessagePageResponse {
        try JSONDecoder().decode(MessagePageResponse.self, from: Data(buffer: body))
    }

    /// The body as a JSON object, with its trace id checked and removed.
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], sourceLocation: sourceLocation)
        #expect((object.removeValue(forKey: "traceId") as? String).flatMap(UUID.init(uuidString:)) != nil,
                "traceId missing", sourceLocation: sourceLocation)
        return object
    }
}

extension TestClientProtocol {
    func get(_ uri: String, headers: HTTPFields) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers, body: nil)
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields, json: String) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: json))
    }
}

/// A store with one tenant, served by the real application in-process.
func withApp(
    _ backend: Backend,
    _ body: @Sendable @escaping (any ConversationStore, Tenant, any TestClientProtocol) async throws -> Void
) async throws {
    try await withStore(backend) { store in
        let tenant = try await store.makeTenant()
        try await makeApplication(store: store).test(.router) { client in
            try await body(store, tenant, client)
        }
    }
}

/// A conversation with `count` SMS messages one second apart (message i at i seconds).
@discardableResult
func seedConversation(
    _ store: any ConversationStore, tenant: Tenant, count: Int, conversation: ConversationID = .generate()
) async throws -> (ConversationID, [Message]) {
    let contact = ContactID.generate()
    let messages = (0..<count).map { index in
        makeMessage(conversation: conversation, location: tenant.location, contact: contact, at: Int64(index) * 1000)
    }
    try await store.insertMessages(messages, logger: .test)
    return (conversation, messages)
}

extension HighLevelErrorBody {
    static func validation(_ messages: String...) -> HighLevelErrorBody {
        HighLevelErrorBody(statusCode: 422, messages: messages, error: "Unprocessable Entity")
    }
}

enum RawSocketError: Error, Equatable {
    case connect, closed, timeout
    /// A read failed otherwise: `ECONNRESET` when the server's side reset the connection.
    case failed(errno: Int32)
}

/// A blocking TCP socket connected to the server under test on 127.0.0.1, with a receive timeout, for tests that
/// speak raw HTTP. The caller closes it.
func connectedLoopbackSocket(port: Int, receiveTimeout seconds: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RawSocketError.connect }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        throw RawSocketError.connect
    }
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return fd
}

/// Everything the server sends until it closes the connection or the receive timeout passes.
func readUntilClosed(_ fd: Int32) -> [UInt8] {
    var received = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        received += buffer[0..<count]
    }
    return received
}

/// Sends `bytes` on a new connection (then closes the sending side if asked) and returns everything the server sends
/// until it closes the connection or `receiveTimeout` seconds pass without a byte. The timeout is generous by
/// default: the suites run in parallel on a loaded machine.
func rawExchange(
    port: Int, _ bytes: [UInt8], closingTheSendingSide: Bool = false, receiveTimeout: Int = 20
) async throws -> String {
    try await offTheConcurrencyPool {
        let fd = try connectedLoopbackSocket(port: port, receiveTimeout: receiveTimeout)
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if closingTheSendingSide { shutdown(fd, Int32(SHUT_WR)) }
        return String(decoding: readUntilClosed(fd), as: UTF8.self)
    }
}

/// Whether `delivery`'s `x-ghl-signature` verifies, over the exact bytes received, with the store's active Ed25519
/// webhook key.
func isSignedByTheServer(_ delivery: WebhookReceiver.Delivery, store: any ConversationStore) async throws -> Bool {
    let keys = try await store.webhookKeys(retiredAfter: .now(), logger: .test)
    guard let ed25519 = keys.first(where: { $0.algorithm == .ed25519 })?.key,
        let header = delivery.headers[HTTPField.Name("x-ghl-signature")!], let signature = Data(base64Encoded: header)
    else { return false }
    return try Curve25519.Signing.PrivateKey(rawRepresentation: ed25519.secret).publicKey
        .isValidSignature(signature, for: delivery.body)
}
