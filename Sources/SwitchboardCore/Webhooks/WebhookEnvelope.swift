/// What each delivery adds to an event's stored payload: the `appId` of an app's subscription, its `webhookId` (unique
/// per event and subscription) and the event's `timestamp`, as the last fields, the way HighLevel's deliveries end.
/// The payload is stored once per event; the body is made per delivery, and those exact bytes are signed and sent.
/// A `ProviderOutboundMessage` is sent as it is stored: HighLevel's provider payload has none of those fields.
public enum WebhookEnvelope {
    public static func body(
        type: String, payload: [UInt8], webhookId: String, timestamp: Timestamp, appId: String? = nil
    ) -> [UInt8] {
        if type == ProviderOutboundEvent.type { return payload }
        var tail = JSONWriter(capacity: 128)
        tail.beginObject()
        if let appId { tail.key("appId"); tail.string(appId) }
        tail.key("webhookId"); tail.string(webhookId)
        tail.key("timestamp"); tail.string(timestamp.iso8601)
        tail.endObject()
        // `{…}` + `{"webhookId":…}` → `{…,"webhookId":…}`; an empty payload `{}` takes the tail as it is.
        guard payload.count > 2, payload.last == UInt8(ascii: "}") else { return tail.bytes }
        var body = payload.dropLast() + [UInt8(ascii: ",")]
        body.append(contentsOf: tail.bytes.dropFirst())
        return Array(body)
    }
}

extension WebhookEnvelope {
    /// An app's `appId` in its deliveries: its client id's part before the first `-`, which is what the official
    /// SDKs compare with the app they were configured for.
    public static func appId(ofClientId clientId: String) -> String {
        String(clientId.prefix { $0 != "-" })
    }
}
