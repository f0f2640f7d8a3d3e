extension StringProtocol {
    /// The text without spaces and tabs at either end: HTTP's optional whitespace around a header's or a form
    /// field's value, a name or tag typed with a stray space.
    public var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
