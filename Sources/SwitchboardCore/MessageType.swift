/// HighLevel's `messageType` vocabulary with the numeric `type` code each one is served with.
///
/// Codes follow CONTRACT.md §3.4: they are 1-based (TYPE_CALL = 1, TYPE_SMS = 2, …). The four newest types have no
/// public code; they get the provisional codes 43–46 from CONTRACT.md §11 Q12.
public enum MessageType: String, Sendable, CaseIterable, Codable, Hashable {
    case call = "TYPE_CALL"
    case sms = "TYPE_SMS"
    case rcs = "TYPE_RCS"
    case email = "TYPE_EMAIL"
    case smsReviewRequest = "TYPE_SMS_REVIEW_REQUEST"
    case webchat = "TYPE_WEBCHAT"
    case smsNoShowRequest = "TYPE_SMS_NO_SHOW_REQUEST"
    case campaignSMS = "TYPE_CAMPAIGN_SMS"
    case campaignCall = "TYPE_CAMPAIGN_CALL"
    case campaignEmail = "TYPE_CAMPAIGN_EMAIL"
    case campaignVoicemail = "TYPE_CAMPAIGN_VOICEMAIL"
    case facebook = "TYPE_FACEBOOK"
    case campaignFacebook = "TYPE_CAMPAIGN_FACEBOOK"
    case campaignManualCall = "TYPE_CAMPAIGN_MANUAL_CALL"
    case campaignManualSMS = "TYPE_CAMPAIGN_MANUAL_SMS"
    case gmb = "TYPE_GMB"
    case campaignGMB = "TYPE_CAMPAIGN_GMB"
    case review = "TYPE_REVIEW"
    case instagram = "TYPE_INSTAGRAM"
    case whatsapp = "TYPE_WHATSAPP"
    case customSMS = "TYPE_CUSTOM_SMS"
    case customEmail = "TYPE_CUSTOM_EMAIL"
    case customProviderSMS = "TYPE_CUSTOM_PROVIDER_SMS"
    case customProviderEmail = "TYPE_CUSTOM_PROVIDER_EMAIL"
    case ivrCall = "TYPE_IVR_CALL"
    case activityContact = "TYPE_ACTIVITY_CONTACT"
    case activityInvoice = "TYPE_ACTIVITY_INVOICE"
    case activityPayment = "TYPE_ACTIVITY_PAYMENT"
    case activityOpportunity = "TYPE_ACTIVITY_OPPORTUNITY"
    case liveChat = "TYPE_LIVE_CHAT"
    case liveChatInfoMessage = "TYPE_LIVE_CHAT_INFO_MESSAGE"
    case activityAppointment = "TYPE_ACTIVITY_APPOINTMENT"
    case facebookComment = "TYPE_FACEBOOK_COMMENT"
    case instagramComment = "TYPE_INSTAGRAM_COMMENT"
    case customCall = "TYPE_CUSTOM_CALL"
    case internalComment = "TYPE_INTERNAL_COMMENT"
    case activityEmployeeActionLog = "TYPE_ACTIVITY_EMPLOYEE_ACTION_LOG"
    case tiktok = "TYPE_TIKTOK"
    case tiktokComment = "TYPE_TIKTOK_COMMENT"
    case activityWhatsApp = "TYPE_ACTIVITY_WHATSAPP"
    case formSubmission = "TYPE_FORM_SUBMISSION"
    case smsReaction = "TYPE_SMS_REACTION"

    /// The numeric `type` HighLevel sends beside `messageType`.
    public var code: Int {
        switch self {
        case .call: 1
        case .sms: 2
        case .email: 3
        case .smsReviewRequest: 4
        case .webchat: 5
        case .smsNoShowRequest: 6
        case .campaignSMS: 7
        case .campaignCall: 8
        case .campaignEmail: 9
        case .campaignVoicemail: 10
        case .facebook: 11
        case .campaignFacebook: 12
        case .campaignManualCall: 13
        case .campaignManualSMS: 14
        case .gmb: 15
        case .campaignGMB: 16
        case .review: 17
        case .instagram: 18
        case .whatsapp: 19
        case .customSMS: 20
        case .customEmail: 21
        case .customProviderSMS: 22
        case .customProviderEmail: 23
        case .ivrCall: 24
        case .activityContact: 25
        case .activityInvoice: 26
        case .activityPayment: 27
        case .activityOpportunity: 28
        case .liveChat: 29
        case .liveChatInfoMessage: 30
        case .activityAppointment: 31
        case .facebookComment: 32
        case .instagramComment: 33
        case .customCall: 34
        case .internalComment: 37
        case .activityEmployeeActionLog: 38
        case .tiktok: 41
        case .tiktokComment: 42
        // No public source: provisional, CONTRACT.md §11 Q12.
        case .activityWhatsApp: 43
        case .formSubmission: 44
        case .smsReaction: 45
        case .rcs: 46
        }
    }

    private static let byCode: [Int: MessageType] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.code, $0) })

    public init?(code: Int) {
        guard let type = Self.byCode[code] else { return nil }
        self = type
    }

    /// Calls and voicemails: their messages carry `meta.call`.
    public var isCall: Bool {
        switch self {
        case .call, .campaignCall, .campaignVoicemail, .campaignManualCall, .ivrCall, .customCall: true
        default: false
        }
    }

    /// Email messages: their list items carry `meta.email.messageIds` and no `body` (CONTRACT.md §2.3, §11 Q14).
    public var isEmail: Bool {
        switch self {
        case .email, .campaignEmail, .customEmail, .customProviderEmail: true
        default: false
        }
    }
}
