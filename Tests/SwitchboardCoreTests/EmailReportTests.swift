import SwitchboardCore
import Testing

/// `EmailHeaders.reporting`: a provider's report as HighLevel's v3 document describes it.
@Suite struct EmailReportTests {
    private let stored = EmailHeaders(
        subject: "Hi", from: "a@example.com", to: ["b@example.com"], provider: EmailHeaders.customProvider,
        events: ["delivered": 2, "opened": 4], recipients: [EmailRecipient(emailId: "b@example.com", status: "delivered")])

    @Test func countersGivenReplaceTheStoredOnesAndZeroesChangeNothing() {
        let updated = stored.reporting(status: "sent", events: ["opened": 1, "delivered": 0, "stored": 3], recipients: [])
        #expect(updated.events == ["delivered": 2, "opened": 1, "stored": 3, "accepted": 1])
    }

    @Test func eventsImplyTheEventsBeforeThem() {
        let fresh = EmailHeaders(subject: nil, from: "a@example.com", to: [], provider: EmailHeaders.customProvider)
        #expect(fresh.reporting(status: "pending", events: ["replied": 1], recipients: []).events
            == ["replied": 1, "opened": 1, "delivered": 1, "accepted": 1])
        #expect(fresh.reporting(status: "clicked", events: [:], recipients: []).events
            == ["clicked": 1, "opened": 1, "delivered": 1, "accepted": 1])
        #expect(fresh.reporting(status: "read", events: [:], recipients: []).events
            == ["opened": 1, "delivered": 1, "accepted": 1])
        #expect(fresh.reporting(status: "delivered", events: [:], recipients: []).events == ["delivered": 1, "accepted": 1])
        #expect(fresh.reporting(status: "undelivered", events: [:], recipients: []).events == ["failed": 1])
        #expect(fresh.reporting(status: "pending", events: [:], recipients: []).events == [:])
        // An implied event never lowers a stored count.
        #expect(stored.reporting(status: "clicked", events: [:], recipients: []).events
            == ["delivered": 2, "opened": 4, "clicked": 1, "accepted": 1])
    }

    @Test func recipientsAreUpsertedByAddress() {
        let updated = stored.reporting(
            status: "sent", events: [:],
            recipients: [
                EmailRecipient(emailId: "c@example.com", status: "failed", failReason: "no such mailbox"),
                EmailRecipient(emailId: "b@example.com", status: "opened"),
            ])
        #expect(updated.recipients == [
            EmailRecipient(emailId: "b@example.com", status: "opened"),
            EmailRecipient(emailId: "c@example.com", status: "failed", failReason: "no such mailbox"),
        ])
    }
}
