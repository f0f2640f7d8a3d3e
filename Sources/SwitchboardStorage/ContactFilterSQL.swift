public import SwitchboardCore

/// A contact search filter as SQL both backends run: the field's text, lowered (ASCII letters, as both `lower()`s
/// do under a byte collation), compared with the lowered value. Only the substring function differs by backend.
public enum ContactFilterSQL {
    /// The condition for `filter`, with `placeholder` (`?`, `$3`) where the value goes when the operator takes one.
    /// `position` is the backend's `instr`-like function, called as `position(haystack, needle)`.
    public static func condition(_ filter: ContactFilter, placeholder: String, position: String) -> String {
        let text = "lower(COALESCE(\(expression(filter.field)), ''))"
        let value = "lower(\(placeholder))"
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
        }
    }
}
