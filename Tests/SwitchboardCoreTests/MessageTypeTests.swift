import Foundation
import SwitchboardCore
import Testing

/// The OpenAPI documents that ship beside the repository (../shared/reference/highlevel-openapi).
func openAPIDocument(_ name: String) throws -> [String: Any] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let url = root.deletingLastPathComponent().appendingPathComponent("shared/reference/highlevel-openapi/\(name)")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return try #require(object as? [String: Any])
}

func lookup(_ object: Any?, _ path: String...) -> Any? {
    var current = object
    for key in path {
        if let index = Int(key), let array = current as? [Any] {
            current = index < array.count ? array[index] : nil
        } else {
            current = (current as? [String: Any])?[key]
        }
    }
    return current
}

@Suite struct MessageTypeTests {
    @Test(arguments: ["conversations-v2.json", "conversations-v3.json"])
    func everyDocumentedMessageTypeIsKnownAndNothingElse(_ document: String) throws {
        let spec = try openAPIDocument(document)
        let values = try #require(
            lookup(spec, "components", "schemas", "GetMessageResponseDto", "properties", "messageType", "enum") as? [String])
        #expect(values.count == 42)
        #expect(Set(values) == Set(MessageType.allCases.map(\.rawValue)))
    }

    @Test(arguments: ["conversations-v2.json", "conversations-v3.json"])
    func filterValuesAreExactlyTheDocumentedOnes(_ document: String) throws {
        let spec = try openAPIDocument(document)
        let parameters = try #require(
            lookup(spec, "paths", "/conversations/{conversationId}/messages", "get", "parameters") as? [[String: Any]])
        let typeParameter = try #require(parameters.first { $0["name"] as? String == "type" })
        let values = try #require(lookup(typeParameter, "schema", "enum") as? [String])
        #expect(values.count == 19)
        #expect(Set(values) == Set(MessageTypeFilter.documentedValues.map(\.key)))
    }

    /// CONTRACT.md §3.4: 1-based codes confirmed by HighLevel's documents and real payloads.
    @Test func codesAreOneBasedAsObserved() {
        #expect(MessageType.call.code == 1)
        #expect(MessageType.sms.code == 2)
        #expect(MessageType.email.code == 3)
        #expect(MessageType.campaignVoicemail.code == 10)
        #expect(MessageType.facebook.code == 11)
        #expect(MessageType.instagram.code == 18)
        #expect(MessageType.whatsapp.code == 19)
        #expect(MessageType.customCall.code == 34)
        #expect(MessageType.internalComment.code == 37)
        #expect(MessageType.activityEmployeeActionLog.code == 38)
        #expect(MessageType.tiktok.code == 41)
        #expect(MessageType.tiktokComment.code == 42)
    }

    @Test func codesAreUniqueAndRoundTrip() {
        let codes = MessageType.allCases.map(\.code)
        #expect(Set(codes).count == codes.count)
        for type in MessageType.allCases { #expect(MessageType(code: type.code) == type) }
        #expect(MessageType(code: 0) == nil)
        #expect(MessageType(code: 35) == nil)
    }
}

@Suite struct MessageTypeFilterTests {
    @Test func commaSeparatedValuesAreTrimmedAndDeduplicated() throws {
        let filter = try #require(try MessageTypeFilter.parse([" TYPE_SMS , TYPE_CALL,TYPE_SMS"]))
        #expect(filter.types == [.call, .sms])
    }

    @Test func pluralInternalCommentsSelectsTheSingularMessageType() throws {
        #expect(try MessageTypeFilter.parse(["TYPE_INTERNAL_COMMENTS"])?.types == [.internalComment])
        #expect(try MessageTypeFilter.parse(["TYPE_INTERNAL_COMMENT"])?.types == [.internalComment])
    }

    @Test func repeatedParametersAreCombined() throws {
        #expect(try MessageTypeFilter.parse(["TYPE_SMS", "TYPE_EMAIL"])?.types == [.sms, .email])
    }

    @Test func emptyValueMeansNoFilter() throws {
        #expect(try MessageTypeFilter.parse([]) == nil)
        #expect(try MessageTypeFilter.parse([""]) == nil)
        #expect(try MessageTypeFilter.parse([" , "]) == nil)
    }

    @Test func unknownValuesAreNamedInTheFailure() {
        #expect(throws: ValidationFailure.self) { try MessageTypeFilter.parse(["TYPE_SMS,TYPE_FAX"]) }
        do {
            _ = try MessageTypeFilter.parse(["TYPE_FAX,type_sms"])
            Issue.record("expected a failure")
        } catch {
            #expect(error.messages.count == 2)
            #expect(error.messages[0].hasSuffix("(got TYPE_FAX)"))
            #expect(error.messages[1].hasSuffix("(got type_sms)"))
            #expect(error.messages[0].hasPrefix("type must be one of the following values: TYPE_CALL, TYPE_SMS,"))
        }
    }

    /// Filter values that are not `messageType`s of their own (campaign, custom, comments) cannot be asked for.
    @Test func onlyTheDocumentedValuesAreFilters() {
        #expect(throws: ValidationFailure.self) { try MessageTypeFilter.parse(["TYPE_CAMPAIGN_SMS"]) }
        #expect(throws: ValidationFailure.self) { try MessageTypeFilter.parse(["TYPE_FACEBOOK_COMMENT"]) }
    }
}

@Suite struct PageLimitTests {
    @Test func absentMeansTwenty() throws {
        #expect(try PageLimit.parse(nil) == 20)
    }

    @Test(arguments: [("1", 1), ("20", 20), ("100", 100), ("101", 100), ("100000000000000000000000000", 100),
                      ("007", 7), ("+5", 5)])
    func integersAreAcceptedAndClamped(_ raw: String, _ expected: Int) throws {
        #expect(try PageLimit.parse(Substring(raw)) == expected)
    }

    @Test(arguments: ["0", "-1", "-100", "000"])
    func valuesBelowOneAreRejected(_ raw: String) {
        #expect(throws: ValidationFailure("limit must not be less than 1")) { try PageLimit.parse(Substring(raw)) }
    }

    @Test(arguments: ["abc", "1.5", "1e99", "", " 5", "5 ", "0x10", "NaN", "Infinity", "١٢"])
    func nonIntegersAreRejected(_ raw: String) {
        #expect(throws: ValidationFailure("limit must be an integer number")) { try PageLimit.parse(Substring(raw)) }
    }
}
