import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Manage webhook subscriptions, deliveries and signing keys.",
        subcommands: [Add.self, List.self, Remove.self, Keys.self, RotateKeys.self, Deliveries.self, Replay.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver a location's events (or an app's) to a URL, and print the subscription's id.",
            discussion: """
                With --app, the events of every location the app is installed on, each with the app's appId, as far \
                as the installation's scopes allow (conversations/message.readonly for InboundMessage and \
                OutboundMessage, conversations.readonly for ConversationUnreadUpdate). A running server delivers the \
                events of every write from then on; no restart is needed.
                """)

        @Option(help: "The location whose events are delivered.") var location: String?
        @Option(help: "An OAuth app's client id: deliver the events of the locations it is installed on.") var app: String?
        @Option(help: "Where to POST them: an http:// or https:// URL.") var url: String
        @Option(
            help: ArgumentHelp(
                "An event to deliver; repeat for several (default: every event).",
                discussion: WebhookEventType.all.joined(separator: ", ")))
        var event: [String] = []
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard (location == nil) != (app == nil) else { throw ValidationError("give exactly one of --location and --app") }
            do { try WebhookSetup.checkURL(url) } catch { throw ValidationError("--url: \(error)") }
        }

        func run() async throws {
            let owner: WebhookSubscription.Owner =
                if let app { .app(clientId: app) } else { .location(LocationID(rawValue: location ?? "")) }
            let subscription = try await database.withStore(logger: .cli()) { store in
                try await WebhookSetup.addSubscription(
                    store, owner: owner, url: url, events: event, now: .now(), logger: .cli())
            }
            Output.line(subscription.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List subscriptions: id, owner (a location id, or app:CLIENT_ID), URL, events.")
        @Option(help: "Only this location's own subscriptions.") var location: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let subscriptions = try await database.withStore(logger: .cli()) { store in
                try await store.subscriptions(in: location.map(LocationID.init(rawValue:)), logger: .cli())
            }
            for subscription in subscriptions {
                let events = subscription.events.isEmpty ? "*" : subscription.events.joined(separator: ",")
                let owner =
                    switch subscription.owner {
                    case .location(let location): location.rawValue
                    case .app(let clientId): "app:\(clientId)"
                    }
                Output.line("\(subscription.id)\t\(owner)\t\(subscription.url)\t\(events)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a subscription; what it has not yet been delivered is dropped.")
        @Argument(help: "The subscription's id.") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let removed = try await database.withStore(logger: .cli()) { store in
                try await store.removeSubscription(id, logger: .cli())
            }
            guard removed else { throw CommandFailure("no subscription \(id)") }
            Output.line("removed \(id)")
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the public keys deliveries are signed with, as PEM.",
            discussion: """
                x-ghl-signature (Ed25519) verifies with the first key: set it as WEBHOOK_SIGNATURE_PUBLIC_KEY for \
                HighLevel's SDKs. x-wh-signature (RSA, legacy) verifies with the second: WEBHOOK_PUBLIC_KEY. Keys \
                retired in the last 24 hours follow, marked with their retirement time. Creates the keys if no \
                server has yet.
                """)
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let now = Timestamp.now()
            let keys = try await database.withStore(logger: .cli()) { store in
                _ = try await WebhookKeys.active(in: store, now: now, logger: .cli())
                return try await store.webhookKeys(
                    retiredAfter: Timestamp(rawValue: now.rawValue - WebhookKeys.gracePeriod), logger: .cli())
            }
            // Active keys first (Ed25519, then RSA), then the retired ones, newest first.
            let ordered = keys.sorted { lhs, rhs in
                switch (lhs.key.retiredAt, rhs.key.retiredAt) {
                case (nil, nil): lhs.algorithm == .ed25519 && rhs.algorithm == .rsa
                case (nil, _): true
                case (_, nil): false
                case (let left?, let right?): left.rawValue > right.rawValue
                }
            }
            for (algorithm, key) in ordered {
                guard let pem = WebhookKeys.publicPEM(of: key, algorithm) else { continue }
                let header = algorithm == .ed25519
                    ? "x-ghl-signature (Ed25519), WEBHOOK_SIGNATURE_PUBLIC_KEY" : "x-wh-signature (RSA), WEBHOOK_PUBLIC_KEY"
                let state = key.retiredAt.map { "retired \($0.iso8601)" } ?? "active"
                Output.line("# \(header): \(key.id), \(state)")
                Output.line(pem.hasSuffix("\n") ? String(pem.dropLast()) : pem)
            }
        }
    }

    struct RotateKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-keys",
            abstract: "Make new signing keys; running servers sign with them within 2 seconds.",
            discussion: "The old public keys stay listed by `webhook keys` for 24 hours, marked retired.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.withStore(logger: .cli()) { store in
                try await WebhookKeys.rotate(in: store, now: .now(), logger: .cli())
            }
            Output.line("rotated; `switchboard webhook keys` prints the new public keys")
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List deliveries, newest first: webhookId, subscription, event, state, attempts, last attempt.",
            discussion: """
                With --attempts, every attempt instead, newest first: webhookId, subscription, event, time, outcome \
                (delivered, retry or dead), status code (- for no answer), latency, error.
                """)
        @Flag(help: "Only those given up on (dead).") var failed = false
        @Option(help: "Only this subscription's.") var subscription: String?
        @Flag(help: "List every attempt of those deliveries, not the deliveries.") var attempts = false
        @Option(help: "How many at most.") var limit = 100
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let filter = WebhookDeliveryFilter(subscriptionId: subscription, deadOnly: failed, limit: max(limit, 0))
            if attempts {
                let records = try await database.withStore(logger: .cli()) { store in
                    try await store.attempts(filter, logger: .cli())
                }
                for record in records {
                    let line = [
                        record.webhookId, record.subscriptionId, record.type, record.at.iso8601, record.outcome.rawValue,
                        record.statusCode.map(String.init) ?? "-", "\(record.latencyMilliseconds) ms", record.error ?? "",
                    ]
                    Output.line(line.joined(separator: "\t"))
                }
                return
            }
            let records = try await database.withStore(logger: .cli()) { store in
                try await store.deliveries(filter, logger: .cli())
            }
            for record in records {
                let last = [
                    record.lastAttemptAt?.iso8601, record.lastStatusCode.map { "status \($0)" },
                    record.latencyMilliseconds.map { "\($0) ms" }, record.lastError,
                ].compactMap { $0 }.joined(separator: " ")
                Output.line(
                    "\(record.webhookId)\t\(record.subscriptionId)\t\(record.type)\t\(record.state.rawValue)\t"
                        + "\(record.attempts)\t\(last)")
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a delivery again (same webhookId), or every dead one with --failed.")
        @Argument(help: "The delivery's webhookId.") var webhookId: String?
        @Flag(help: "Every delivery given up on.") var failed = false
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if webhookId == nil, !failed { throw ValidationError("give a webhookId, or --failed for every dead one") }
            if webhookId != nil, failed { throw ValidationError("give a webhookId or --failed, not both") }
        }

        func run() async throws {
            let count = try await database.withStore(logger: .cli()) { store in
                try await store.replay(webhookId: webhookId, at: .now(), logger: .cli())
            }
            if let webhookId, count == 0 { throw CommandFailure("no delivery \(webhookId)") }
            Output.line("replaying \(count) deliver\(count == 1 ? "y" : "ies")")
        }
    }
}
