/// The short `messageType` label HighLevel's message webhooks carry (`"SMS"`, `"CALL"`, `"Email"`), beside the
/// numeric `messageTypeId` and the `TYPE_*` `messageTypeString` (CONTRACT.md §9.2).
///
/// HighLevel documents the labels of its channels (Call, Voicemail, SMS, GMB, Facebook, Instagram, Email, Live
/// Chat); for the other types the label is Switchboard's choice, the channel's name as HighLevel's UI writes it.
/// The README's webhook section lists the whole table.
extension MessageType {
    public var webhookLabel: String {
        switch self {
        case .call, .campaignCall, .campaignManualCall, .ivrCall, .customCall: "CALL"
        case .campaignVoicemail: "VoiceMail"
        case .sms, .campaignSMS, .campaignManualSMS, .smsReviewRequest, .smsNoShowRequest, .customSMS,
            .customProviderSMS, .smsReaction:
            "SMS"
        case .rcs: "RCS"
        case .email, .campaignEmail, .customEmail, .customProviderEmail: "Email"
        case .whatsapp, .activityWhatsApp: "WhatsApp"
        case .facebook, .campaignFacebook: "Facebook"
        case .facebookComment: "Facebook Comment"
        case .instagram: "Instagram"
        case .instagramComment: "Instagram Comment"
        case .gmb, .campaignGMB: "GMB"
        case .liveChat, .liveChatInfoMessage: "Live Chat"
        case .webchat: "WebChat"
        case .review: "Review"
        case .tiktok: "TikTok"
        case .tiktokComment: "TikTok Comment"
        case .formSubmission: "Form Submission"
        case .internalComment: "Internal Comment"
        case .activityContact, .activityInvoice, .activityPayment, .activityOpportunity, .activityAppointment,
            .activityEmployeeActionLog:
            "Activity"
        }
    }
}
