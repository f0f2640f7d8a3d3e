import Foundation
public import SwitchboardCore

extension Timestamp {
    /// The wall clock, to the millisecond.
    @Sendable public static func now() -> Timestamp {
        Timestamp(rawValue: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
