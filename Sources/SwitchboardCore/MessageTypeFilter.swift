/// The `type` query parameter of `GET /conversations/{conversationId}/messages`.
///
/// CONTRACT.md §4: a comma-separated list of the 19 documented filter values, trimmed and de-duplicated, each an
/// exact match on `messageType`, except the plural `TYPE_INTERNAL_COMMENTS`, which selects `TYPE_INTERNAL_COMMENT`.
public struct MessageTypeFilter: Sendable, Hashable {
    /// The message types the filter selects, in a stable order (by code) so queries and caches see one shape.
    public let types: [MessageType]

    public init(types: some Sequence<MessageType>) {
        self.types = Set(types).sorted { $0.code < $1.code }
    }

    /// The filter values HighLevel documents (SPEC2 and SPEC3 `get-messages`), mapped to the type they select.
    public static let documentedValues: KeyValuePairs<String, MessageType> = [
        "TYPE_CALL": .call,
        "TYPE_SMS": .sms,
        "TYPE_RCS": .rcs,
        "TYPE_EMAIL": .email,
        "TYPE_FACEBOOK": .facebook,
        "TYPE_GMB": .gmb,
        "TYPE_INSTAGRAM": .instagram,
        "TYPE_WHATSAPP": .whatsapp,
        "TYPE_ACTIVITY_APPOINTMENT": .activityAppointment,
        "TYPE_ACTIVITY_CONTACT": .activityContact,
        "TYPE_ACTIVITY_INVOICE": .activityInvoice,
        "TYPE_ACTIVITY_PAYMENT": .activityPayment,
        "TYPE_ACTIVITY_OPPORTUNITY": .activityOpportunity,
        "TYPE_LIVE_CHAT": .liveChat,
        "TYPE_INTERNAL_COMMENTS": .internalComment,
        "TYPE_ACTIVITY_EMPLOYEE_ACTION_LOG": .activityEmployeeActionLog,
        "TYPE_TIKTOK": .tiktok,
        "TYPE_ACTIVITY_WHATSAPP": .activityWhatsApp,
        "TYPE_FORM_SUBMISSION": .formSubmission,
    ]

    private static let lookup: [Substring: MessageType] = {
        var table: [Substring: MessageType] = [:]
        for (value, type) in documentedValues { table[Substring(value)] = type }
        // The singular form is what messages carry; accepting it too costs nothing and saves a confusing 422.
        table["TYPE_INTERNAL_COMMENT"] = .internalComment
        return table
    }()

    /// Parses one or more raw `type` values (repeated parameters are combined).
    /// Returns `nil` when no value names a type (an empty parameter means "no filter").
    public static func parse(_ rawValues: [Substring]) throws(ValidationFailure) -> MessageTypeFilter? {
        var selected: [MessageType] = []
        var unknown: [String] = []
        for raw in rawValues {
            for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
                let value = part.trimmedOfSpaces
                if value.isEmpty { continue }
                if let type = lookup[value] {
                    selected.append(type)
                } else {
                    unknown.append(String(value))
                }
            }
        }
        if !unknown.isEmpty {
            throw ValidationFailure(messages: unknown.map { "type must be one of the following values: \(allowedList) (got \($0.clippedForMessage))" })
        }
        return selected.isEmpty ? nil : MessageTypeFilter(types: selected)
    }

    static let allowedList = documentedValues.map(\.key).joined(separator: ", ")
}

extension String {
    /// Echoing user input in an error message is useful; echoing 10 kB of it is not.
    var clippedForMessage: String {
        utf8.count <= 64 ? self : String(prefix(64)) + "…"
    }
}
