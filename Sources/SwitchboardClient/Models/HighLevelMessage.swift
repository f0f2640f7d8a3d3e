public import SwitchboardCore

/// One message as the API returned it, decoded tolerantly: a `messageType`, `direction`, status or field HighLevel
/// adds later is kept (as `OpenEnum.unknown` or in `json`) instead of failing the whole page.
///
/// Accepts both `meta` shapes (CONTRACT.md §3.2): the wire's `meta.call.{duration,status}` and the spec's
/// `meta.callDuration`/`meta.callStatus`; `meta.email.messageIds` and the spec's `meta.email.email.messageIds`.
public struct HighLevelMessage: Sendable, Hashable, Identifiable {
    public var id: MessageID
    public var conversationId: ConversationID
    public var locationId: LocationID
    public var contactId: ContactID
    /// `messageType`, or the type named by the numeric `type` when `messageType` is absent.
    public var messageType: MessageKind
    /// The numeric `type` as sent; advisory only (key logic on `messageType`, CONTRACT.md §12).
    public var typeCode: Int?
    public var direction: OpenEnum<MessageDirection>?
    public var status: String?
    public var body: String?
    public var contentType: String?
    public var dateAdded: Timestamp
    public var dateUpdated: Timestamp?
    public var source: String?
    public var userId: String?
    public var altId: String?
    public var attachments: [String]?
    public var call: CallDetails?
    public var emailMessageIds: [String]?
    public var conversationProviderId: String?
    public var chatWidgetId: String?
    /// The whole message object exactly as received, members in order, including fields this type does not model.
    public var json: RawJSONObject

    /// Decodes one message object. Throws only when an essential field (ids, `dateAdded`, a type) is missing or
    /// malformed; anything else unexpected is kept as received.
    public init(json object: RawJSONObject) throws(ResponseShapeError) {
        func string(_ key: String) -> String? { object.present(key)?.stringValue }
        func required(_ key: String) throws(ResponseShapeError) -> String {
            guard let value = string(key) else { throw ResponseShapeError("message.\(key) is missing or not a string") }
            return value
        }
        id = MessageID(rawValue: try required("id"))
        conversationId = ConversationID(rawValue: try required("conversationId"))
        locationId = LocationID(rawValue: try required("locationId"))
        contactId = ContactID(rawValue: try required("contactId"))
        typeCode = object.present("type")?.intValue
        if let name = string("messageType") {
            messageType = MessageKind(rawValue: name)
        } else if let code = typeCode {
            messageType = MessageType(code: code).map(MessageKind.known) ?? .unknown(String(code))
        } else {
            throw ResponseShapeError("message \(id) has neither messageType nor type")
        }
        guard let added = object.present("dateAdded").flatMap(Timestamp.init(lenient:)) else {
            throw ResponseShapeError("message \(id) has no readable dateAdded")
        }
        dateAdded = added
        dateUpdated = object.present("dateUpdated").flatMap(Timestamp.init(lenient:))
        direction = string("direction").map(OpenEnum<MessageDirection>.init(rawValue:))
        status = string("status")
        body = string("body")
        contentType = string("contentType")
        source = string("source")
        userId = string("userId")
        altId = string("altId")
        conversationProviderId = string("conversationProviderId")
        chatWidgetId = string("chatWidgetId")
        attachments = object.present("attachments")?.arrayValue?.compactMap(\.stringValue)
        let meta = object.present("meta")?.objectValue
        call = Self.callDetails(meta)
        emailMessageIds = Self.emailMessageIds(meta)
        json = object
    }

    private static func callDetails(_ meta: RawJSONObject?) -> CallDetails? {
        guard let meta else { return nil }
        let nested = meta.present("call")?.objectValue
        let duration = nested?.present("duration")?.intValue ?? meta.present("callDuration")?.intValue
        let status = nested?.present("status")?.stringValue ?? meta.present("callStatus")?.stringValue
        guard duration != nil || status != nil else { return nil }
        return CallDetails(duration: duration, status: status)
    }

    private static func emailMessageIds(_ meta: RawJSONObject?) -> [String]? {
        guard let email = meta?.present("email")?.objectValue else { return nil }
        let ids = email.present("messageIds") ?? email.present("email")?.objectValue?.present("messageIds")
        return ids?.arrayValue?.compactMap(\.stringValue)
    }

    /// The shared domain message, when every value fits the domain's vocabulary (nil for a message type or
    /// direction this build does not know).
    public var message: Message? {
        guard let type = messageType.known else { return nil }
        var knownDirection: MessageDirection?
        if let direction {
            guard let known = direction.known else { return nil }
            knownDirection = known
        }
        return Message(
            id: id, conversationId: conversationId, locationId: locationId, contactId: contactId, messageType: type,
            direction: knownDirection, status: status, body: body, contentType: contentType, dateAdded: dateAdded,
            dateUpdated: dateUpdated, source: source, userId: userId, altId: altId, attachments: attachments,
            call: call, emailMessageIds: emailMessageIds, conversationProviderId: conversationProviderId,
            chatWidgetId: chatWidgetId)
    }

    /// Whether `message` carries everything received, so writing it with `Message.write(to:)` loses nothing.
    public var isFullyRepresentedByDomain: Bool {
        guard let message else { return false }
        if let typeCode, typeCode != message.typeCode { return false }
        for member in json.members where !member.value.isNull {
            guard Self.domainKeys.contains(member.key) else { return false }
        }
        if let attachments = json.present("attachments") {
            guard let values = attachments.arrayValue, values.allSatisfy({ $0.stringValue != nil }) else { return false }
        }
        guard let meta = json.present("meta") else { return true }
        guard let metaObject = meta.objectValue else { return false }
        for member in metaObject.members where !member.value.isNull {
            guard let allowed = Self.domainMetaKeys[member.key] else { return false }
            if let nested = member.value.objectValue {
                guard nested.members.allSatisfy({ $0.value.isNull || allowed.contains($0.key) }) else { return false }
            }
        }
        return true
    }

    private static let domainKeys: Set<String> = [
        "id", "direction", "status", "type", "locationId", "body", "contactId", "contentType", "conversationId",
        "dateAdded", "dateUpdated", "source", "userId", "altId", "attachments", "meta", "messageType",
        "conversationProviderId", "chatWidgetId",
    ]
    /// `meta` members the domain models, with the members each may hold when it is an object.
    private static let domainMetaKeys: [String: Set<String>] = [
        "call": ["duration", "status"], "email": ["messageIds"], "callDuration": [], "callStatus": [],
    ]

    /// The message's JSON for re-serialising (e.g. NDJSON): the domain writer's exact bytes when nothing would be
    /// lost, so output from a Switchboard server matches what it serves byte for byte; otherwise the object as
    /// received.
    public func writeJSON(to bytes: inout [UInt8]) {
        if isFullyRepresentedByDomain, let message {
            var writer = JSONWriter(capacity: 512)
            message.write(to: &writer)
            bytes.append(contentsOf: writer.bytes)
        } else {
            RawJSON.object(json).write(to: &bytes)
        }
    }
}

extension Timestamp {
    /// ISO-8601 text, epoch milliseconds as a number, or epoch milliseconds as a string of digits: HighLevel uses
    /// all three for dates (`dateAdded`, search's `lastMessageDate`, ConversationDto's `"1628008053263"`).
    public init?(lenient value: RawJSON) {
        switch value {
        case .string(let text):
            if let parsed = Timestamp(iso8601: text) {
                self = parsed
            } else if let milliseconds = Int64(text) {
                self.init(rawValue: milliseconds)
            } else {
                return nil
            }
        case .number:
            guard let milliseconds = value.intValue else { return nil }
            self.init(rawValue: Int64(milliseconds))
        default:
            return nil
        }
    }
}
