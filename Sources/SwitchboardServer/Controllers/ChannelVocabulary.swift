import SwitchboardCore

/// The channel vocabularies of the write endpoints (CONTRACT.md §4.2), each mapped to the `messageType` stored.
enum ChannelVocabulary {
    /// `POST /conversations/messages/inbound` `type`. `Custom` resolves to SMS or email by its content.
    static let inbound: KeyValuePairs<String, MessageType> = [
        "SMS": .sms, "RCS": .rcs, "Email": .email, "WhatsApp": .whatsapp, "GMB": .gmb, "IG": .instagram,
        "FB": .facebook, "Custom": .customProviderSMS, "WebChat": .webchat, "Live_Chat": .liveChat, "Call": .call,
        "IVR_Call": .ivrCall, "Campaign_Call": .campaignCall, "Campaign_VoiceMail": .campaignVoicemail,
        "TIKTOK": .tiktok, "ALL_IN_ONE_CHAT": .liveChat, "FORM_SUBMISSION": .formSubmission,
    ]

    /// `POST /conversations/messages` (send) `type`.
    static let send: KeyValuePairs<String, MessageType> = [
        "SMS": .sms, "RCS": .rcs, "Email": .email, "WhatsApp": .whatsapp, "IG": .instagram, "FB": .facebook,
        "Custom": .customProviderSMS, "Live_Chat": .liveChat, "TIKTOK": .tiktok,
    ]

    /// `POST /conversations/messages/outbound` `type`.
    static let outbound: KeyValuePairs<String, MessageType> = ["Call": .call]

    /// Message statuses a client may set (send, status update).
    static let settableStatus: KeyValuePairs<String, String> = [
        "delivered": "delivered", "failed": "failed", "pending": "pending", "read": "read",
    ]

    /// What a provider may report of an email (v3's `MessageStatus`, `clicked` included).
    static let reportableEmailStatus: KeyValuePairs<String, String> = [
        "pending": "pending", "scheduled": "scheduled", "sent": "sent", "delivered": "delivered", "read": "read",
        "undelivered": "undelivered", "connected": "connected", "failed": "failed", "opened": "opened",
        "clicked": "clicked",
    ]

    /// `call.status` values (`CallDataDTO`).
    static let callStatus: KeyValuePairs<String, String> = [
        "pending": "pending", "completed": "completed", "answered": "answered", "busy": "busy",
        "no-answer": "no-answer", "failed": "failed", "canceled": "canceled", "voicemail": "voicemail",
    ]

    static let direction: KeyValuePairs<String, MessageDirection> = ["inbound": .inbound, "outbound": .outbound]

    /// Export `channel`: omitted means every type except email (HighLevel's default).
    static let exportChannel: KeyValuePairs<String, [MessageType]> = [
        "Call": MessageType.allCases.filter(\.isCall),
        "SMS": [.sms, .campaignSMS, .customSMS, .customProviderSMS, .campaignManualSMS, .smsReviewRequest,
                .smsNoShowRequest],
        "Email": MessageType.allCases.filter(\.isEmail),
        "WhatsApp": [.whatsapp],
        "Instagram": [.instagram, .instagramComment],
        "Facebook": [.facebook, .facebookComment, .campaignFacebook],
    ]

    static let exportDefault = MessageType.allCases.filter { !$0.isEmail }

    /// `Custom` with a subject or HTML body is an email from a custom provider.
    static func resolveCustom(_ type: MessageType, subject: String?, html: String?) -> MessageType {
        guard type == .customProviderSMS, subject != nil || html != nil else { return type }
        return .customProviderEmail
    }
}
