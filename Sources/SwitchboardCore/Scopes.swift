/// OAuth scopes that guard the Conversations endpoints (CONTRACT.md §6.3). Scopes are independent:
/// `.write` does not imply `.readonly` (§11 Q17).
public enum Scope: String, Sendable, Hashable, CaseIterable, Codable {
    case conversationsReadonly = "conversations.readonly"
    case conversationsWrite = "conversations.write"
    case messagesReadonly = "conversations/message.readonly"
    case messagesWrite = "conversations/message.write"
    case contactsReadonly = "contacts.readonly"
    case contactsWrite = "contacts.write"
    /// Live chat's typing indicator (`POST /conversations/providers/live-chat/typing`).
    case liveChatWrite = "conversations/livechat.write"
}

/// The `Version` header values HighLevel answers on these paths (CONTRACT.md §2.2). The response shape does not
/// depend on the version (§11 Q11); `legacy` is refused (§11 Q10).
public enum APIVersion: String, Sendable, Hashable, CaseIterable, Codable {
    case v2021_04_15 = "2021-04-15"
    case v2021_07_28 = "2021-07-28"
    case v2023_02_21 = "2023-02-21"
    case v3 = "v3"
}
