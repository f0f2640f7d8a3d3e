import SwitchboardCore
import Testing

@testable import SwitchboardClient

@Suite("Client configuration")
struct ClientConfigurationTests {
    @Test func flagsWinOverEnvironmentWhichWinsOverDefaults() throws {
        let environment = [
            "HIGHLEVEL_TOKEN": "pit-env", "HIGHLEVEL_BASE_URL": "http://127.0.0.1:8080/", "HIGHLEVEL_API_VERSION": "v3",
        ]
        let fromEnvironment = try ClientConfiguration.resolve(
            baseURL: nil, token: nil, apiVersion: nil, environment: environment)
        #expect(fromEnvironment.token == "pit-env")
        #expect(fromEnvironment.baseURL == "http://127.0.0.1:8080")
        #expect(fromEnvironment.apiVersion == .v3)

        let fromFlags = try ClientConfiguration.resolve(
            baseURL: "https://example.test", token: "pit-flag", apiVersion: "2021-07-28", environment: environment)
        #expect(fromFlags.token == "pit-flag")
        #expect(fromFlags.baseURL == "https://example.test")
        #expect(fromFlags.apiVersion == .v2021_07_28)

        let defaults = try ClientConfiguration.resolve(baseURL: nil, token: "t", apiVersion: nil, environment: [:])
        #expect(defaults.baseURL == "http://127.0.0.1:8080")
        #expect(defaults.apiVersion == .v2021_04_15)
    }

    /// Issue 19: nothing reaches HighLevel unless it is named; what `serve` prints to export comes first.
    @Test func theLocalServerIsTheDefaultAndSwitchboardVariablesComeFirst() throws {
        let both = [
            "SWITCHBOARD_TOKEN": "pit-local", "SWITCHBOARD_BASE_URL": "http://127.0.0.1:9000",
            "HIGHLEVEL_TOKEN": "pit-real", "HIGHLEVEL_BASE_URL": "https://services.leadconnectorhq.com",
        ]
        let local = try ClientConfiguration.resolve(baseURL: nil, token: nil, apiVersion: nil, environment: both)
        #expect(local.baseURL == "http://127.0.0.1:9000")
        #expect(local.token == "pit-local")
        let tokenOnly = try ClientConfiguration.resolve(
            baseURL: nil, token: nil, apiVersion: nil, environment: ["HIGHLEVEL_TOKEN": "pit-real"])
        #expect(tokenOnly.baseURL == "http://127.0.0.1:8080")
        let named = try ClientConfiguration.resolve(
            baseURL: nil, token: nil, apiVersion: nil,
            environment: ["HIGHLEVEL_TOKEN": "pit-real", "HIGHLEVEL_BASE_URL": "https://services.leadconnectorhq.com"])
        #expect(named.baseURL == "https://services.leadconnectorhq.com")
        #expect(named.token == "pit-real")
        // An empty variable counts as unset.
        let empty = try ClientConfiguration.resolve(
            baseURL: nil, token: nil, apiVersion: nil, environment: ["SWITCHBOARD_TOKEN": "", "HIGHLEVEL_TOKEN": "pit-h"])
        #expect(empty.token == "pit-h")
    }

    @Test func missingTokenUnknownVersionAndBadURLAreExplained() {
        #expect(
            throws: ClientConfiguration.InvalidValue(
                "no token: pass --token or set SWITCHBOARD_TOKEN (`switchboard serve` prints one on its first start)")
        ) {
            try ClientConfiguration.resolve(baseURL: nil, token: nil, apiVersion: nil, environment: [:])
        }
        #expect(
            throws: ClientConfiguration.InvalidValue(
                "unknown API version 'legacy'; known versions: 2021-04-15, 2021-07-28, 2023-02-21, v3")
        ) {
            try ClientConfiguration.resolve(baseURL: nil, token: "t", apiVersion: "legacy", environment: [:])
        }
        for bad in ["services.leadconnectorhq.com", "ftp://x", "http://", "http://x/?a=1"] {
            #expect(throws: ClientConfiguration.InvalidValue.self) {
                try ClientConfiguration.resolve(baseURL: bad, token: "t", apiVersion: nil, environment: [:])
            }
        }
    }

    @Test func pathSegmentsAndQueryValuesAreEncoded() {
        #expect(PercentEncoding.path("conversations", "a/b?c", "messages") == "/conversations/a%2Fb%3Fc/messages")
        #expect(PercentEncoding.path("conversations", "..") == "/conversations/%2E%2E")
        var query = QueryItems()
        query.add("query", "Ann & Bob +1 é")
        query.add("limit", 20)
        query.add("absent", nil as String?)
        #expect(query.encoded == "?query=Ann%20%26%20Bob%20%2B1%20%C3%A9&limit=20")
    }

    @Test func typeFilterUsesHighLevelsFilterSpelling() {
        let filter = MessageTypeFilter(types: [.internalComment, .call, .sms])
        #expect(ConversationsClient.filterParameter(filter) == "TYPE_CALL,TYPE_SMS,TYPE_INTERNAL_COMMENTS")
    }
}

@Suite("JSON parser")
struct JSONParserTests {
    @Test func keepsMemberOrderAndNumberText() throws {
        let value = try JSONParser.parse(Array(#" {"b":1.50,"a":[true,false,null],"c":-2e3} "#.utf8))
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        #expect(value.objectValue?["b"] == .number("1.50"))
        #expect(value.jsonText == #"{"b":1.50,"a":[true,false,null],"c":-2e3}"#)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(Array(#""a\"b\\c\/d\n\u00e9\ud83d\ude00\ud800x""#.utf8))
        #expect(value == .string("a\"b\\c/d\né😀\u{FFFD}x"))
        #expect(value.jsonText == #""a\"b\\c/d\né😀\#u{FFFD}x""#)
    }

    @Test(arguments: ["", "{", #"{"a"}"#, "[1,]", "01", "1.", "-", "tru", #""\x""#, "{} {}", "\"a\u{01}\""])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(deep.utf8)) }
    }

    @Test func lenientTimestamps() {
        #expect(Timestamp(lenient: .string("2026-01-01T00:00:00.000Z")) == Timestamp(rawValue: 1_767_225_600_000))
        #expect(Timestamp(lenient: .number("1628008053263")) == Timestamp(rawValue: 1_628_008_053_263))
        #expect(Timestamp(lenient: .string("1628008053263")) == Timestamp(rawValue: 1_628_008_053_263))
        #expect(Timestamp(lenient: .string("yesterday")) == nil)
    }
}
