extension StringProtocol {
    /// The text without spaces and tabs at either end: HTTP's optional whitespace around a header's or a form
    /// field's value, a list's items, a name typed with a stray space. (`package`: for Switchboard's own modules,
    /// not added to the String of an app that imports the client.)
    package var trimmingSpaces: String { String(trimmedOfSpaces) }

    /// The same, without copying.
    package var trimmedOfSpaces: Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
