import Foundation
public import Logging
public import SwitchboardCore

/// The email room of the store: each email's own record (`EmailRecord`), beside the conversation message it belongs
/// to.
///
/// A record is written before its message, outside the message's transaction: reads join the two, so a record whose
/// message was never stored (a refused or failed send) is never served, and the message write stays the one that
/// decides. Records go with their conversation, and with a reset.
public protocol EmailStore: Sendable {
    /// Throws `StoreError.duplicate` when the id is taken.
    func insertEmail(_ email: EmailRecord, logger: Logger) async throws
    /// The location's email with this id, whose message exists.
    func email(_ id: String, in location: LocationID, logger: Logger) async throws -> EmailRecord?
    /// Which location holds this email, if any: to tell another location's email (403) from none (404).
    func locationOfEmail(_ id: String, logger: Logger) async throws -> LocationID?
    /// Replaces the email's headers (a provider's report); returns whether there was such an email.
    func updateEmailHeaders(_ id: String, in location: LocationID, to headers: EmailHeaders, logger: Logger)
        async throws -> Bool
}

extension EmailHeaders {
    /// The headers as both backends store them: one JSON text.
    public var storedText: String {
        // Encoding plain strings, arrays and integers cannot fail.
        (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "{}"
    }

    /// Headers read back from `storedText`.
    public init(storedText: String) throws {
        do {
            self = try JSONDecoder().decode(EmailHeaders.self, from: Data(storedText.utf8))
        } catch {
            throw StoreError.corruptRow("email headers: \(error)")
        }
    }
}
