public import HTTPTypes

extension HTTPField.Name {
    /// HighLevel's API version header. The literal is a valid field name, so the unwrap cannot fail.
    public static let version = HTTPField.Name("Version")!
}
