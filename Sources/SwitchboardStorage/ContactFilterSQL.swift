public import SwitchboardCore

/// A contact search filter as SQL both backends run: the field's text, lowered (ASCII letters, as both `lower()`s
/// do under a byte collation), compared with the lowered value. Only the substring function and the way to read the
/// tags' JSON list differ by backend.
public enum ContactFilterSQL {
    /// The condition for `filter`, with `placeholder` (`?`, `$3`) where the value goes when the operator takes one.
    /// `position` is the backend's `instr`-like function, called as `position(haystack, needle)`; `tagElements` a
    /// table expression of the contact's tags with one column, `value` (tags are stored lowered).
    public static func condition(
        _ filter: ContactFilter, placeholder: String, position: String, tagElements: String
    ) -> String {
        let value = "lower(\(placeholder))"
        if filter.field == .tags {
            // `eq` and `contains` ask whether some tag matches; `not_eq` and `not_contains`, whether none does.
            func some(_ test: String) -> String { "EXISTS (SELECT 1 FROM \(tagElements) WHERE \(test))" }
            return switch filter.operator {
            case .equals: some("value = \(value)")
            case .notEquals: "NOT " + some("value = \(value)")
            case .contains: some("\(position)(value, \(value)) > 0")
            case .notContains: "NOT " + some("\(position)(value, \(value)) > 0")
            case .exists: some("true")
            case .notExists: "NOT " + some("true")
            }
        }
        let text = "lower(COALESCE(\(expression(filter.field)), ''))"
        return switch filter.operator {
        case .equals: "\(text) = \(value)"
        case .notEquals: "\(text) <> \(value)"
        case .contains: "\(position)(\(text), \(value)) > 0"
        case .notContains: "\(position)(\(text), \(value)) = 0"
        case .exists: "\(text) <> ''"
        case .notExists: "\(text) = ''"
        }
    }

    /// The `contacts` column, or for the full name the name given else first and last name joined (`fullName`).
    static func expression(_ field: ContactFilter.Field) -> String {
        switch field {
        case .firstName: "first_name"
        case .lastName: "last_name"
        case .name: "COALESCE(NULLIF(name, ''), TRIM(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')))"
        case .email: "email"
        case .phone: "phone"
        case .companyName: "company_name"
        case .tags: "tags"
        }
    }
}
