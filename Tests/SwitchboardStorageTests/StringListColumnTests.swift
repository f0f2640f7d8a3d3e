import Foundation
import SwitchboardCore
import SwitchboardStorage
import Testing

/// Attachments and email ids are stored as a JSON array of strings and read back by hand, `JSONDecoder` only for
/// what the hand-written reader leaves to it: both must give the same lists.
@Suite struct StringListColumnTests {
    @Test(arguments: [
        [], ["https://example.com/a.png"], ["a", "b\"c", "back\\slash", "tab\tand\nline"], ["é", "日本", "✅"],
        ["\u{1}control", "nul\u{0}inside"], [""],
    ])
    func readsBackWhatItWrote(_ values: [String]) {
        #expect(StringListColumn.decode(StringListColumn.encode(values)) == values)
    }

    @Test(arguments: [
        "[]", " [ \"x\" , \"y\" ] ", "[\"a\"]", "[\"\\u00e9\"]", "[\"\\ud83d\\ude00\"]", "[\"a\",]", "\"a\"", "[\"a\"] x",
        "[1]", "{}", "", "[\"a\"", "[\"\\/\"]",
    ])
    func readsWhatJSONDecoderReads(_ text: String) {
        let expected = (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
        #expect(StringListColumn.decode(text) == expected)
        // The hand-written reader answers only where it agrees with the decoder.
        if let fast = MessageLineParser.stringArray(text) { #expect(fast == expected) }
    }
}
