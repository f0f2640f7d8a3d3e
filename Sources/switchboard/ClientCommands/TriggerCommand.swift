import ArgumentParser
import SwitchboardClient
import SwitchboardCore

/// `switchboard trigger`: the events a webhook handler must react to, made happen through the public API (as
/// `stripe trigger` does), against Switchboard or HighLevel alike. Each prints the new (or changed) message's id
/// and its conversation.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Make the common events happen: an inbound SMS or email, a call, a provider's status, live chat typing.",
        subcommands: [InboundSMS.self, InboundEmail.self, Call.self, ProviderStatus.self, Typing.self])

    /// `--contact` and `--location`, and the contact's conversation, made when it has none.
    struct Target: ParsableArguments {
        @Option(help: "The contact the event is of.") var contact: String
        @Option(help: "The location (env: SWITCHBOARD_LOCATION_ID).") var location: String?

        func conversation(using client: ConversationsClient) async throws -> ConversationID {
            let location = try ClientOptions.location(location)
            let contactId = ContactID(rawValue: contact)
            let found = try await client.searchConversations(
                ConversationSearch(locationId: location, contactId: contactId, limit: 1))
            if let existing = found.conversations.first { return existing.id }
            return try await client.createConversation(locationId: location, contactId: contactId).id
        }

        /// Records the inbound message `make` builds in the contact's conversation, and prints its id.
        func recordInbound(
            with options: ClientOptions,
            _ make: @Sendable (ConversationID, ContactID) -> InboundMessageRequest
        ) async throws {
            try await options.withClient { client in
                let conversation = try await conversation(using: client)
                let response = try await client.addInboundMessage(make(conversation, ContactID(rawValue: contact)))
                Output.line("message: \(response.messageId?.rawValue ?? "?") conversation: \(conversation)")
            }
        }
    }

    struct InboundSMS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inbound-sms", abstract: "An SMS from the contact (InboundMessage).")
        @OptionGroup var target: Target
        @Argument(help: "The text.") var text: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await target.recordInbound(with: client) { [text] conversation, contact in
                InboundMessageRequest(type: .sms, conversationId: conversation, contactId: contact, message: text)
            }
        }
    }

    struct InboundEmail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inbound-email", abstract: "An email from the contact (InboundMessage).")
        @OptionGroup var target: Target
        @Option(help: "The subject.") var subject = "Hello"
        @Option(help: "The sender's address.") var from: String?
        @Argument(help: "The HTML body.") var html: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await target.recordInbound(with: client) { [html, subject, from] conversation, contact in
                InboundMessageRequest(
                    type: .email, conversationId: conversation, contactId: contact, html: html, subject: subject,
                    emailFrom: from)
            }
        }
    }

    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "call", abstract: "A call from the contact, answered or not (InboundMessage of type CALL).")
        @OptionGroup var target: Target
        @Option(help: "completed, answered, busy, no-answer, failed, canceled or voicemail.") var status = "completed"
        @Option(help: "Seconds (a Switchboard extension).") var duration: Int?
        @OptionGroup var client: ClientOptions

        static let statuses = ["pending", "completed", "answered", "busy", "no-answer", "failed", "canceled", "voicemail"]

        func validate() throws {
            guard Self.statuses.contains(status) else {
                throw ValidationError("--status must be one of \(Self.statuses.joined(separator: ", "))")
            }
        }

        func run() async throws {
            try await target.recordInbound(with: client) { [status, duration] conversation, contact in
                InboundMessageRequest(
                    type: .call, conversationId: conversation, contactId: contact,
                    call: CallData(status: status, duration: duration))
            }
        }
    }

    struct ProviderStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "provider-status",
            abstract: "A provider's delivery report for a sent message (OutboundMessage with the new status).")
        @Option(help: "The message whose status changes.") var message: String
        @Argument(help: "delivered, failed, pending or read.") var status: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let updated = try await client.withClient { client in
                try await client.updateMessageStatus(MessageID(rawValue: message), MessageStatusUpdate(status: status))
            }
            Output.line(
                "message: \(updated.messageId?.rawValue ?? message) conversation: \(updated.conversationId?.rawValue ?? "?") status: \(status)")
        }
    }

    struct Typing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "typing",
            abstract: "Live chat's typing indicator in the contact's conversation (LiveChatTyping).")
        @OptionGroup var target: Target
        @Option(help: "The chat widget's visitor.") var visitor = "switchboard-cli"
        @Flag(help: "Say the typing stopped (isTyping false).") var stop = false
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let location = try ClientOptions.location(target.location)
            try await client.withClient { client in
                let conversation = try await target.conversation(using: client)
                try await client.liveChatTyping(
                    locationId: location, conversationId: conversation, visitorId: visitor, isTyping: !stop)
                Output.line("conversation: \(conversation) typing: \(!stop)")
            }
        }
    }
}
