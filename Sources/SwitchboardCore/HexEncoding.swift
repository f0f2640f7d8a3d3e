/// The sixteen digits, made once (token hashing is on every request's path).
private let hexDigits = Array("0123456789abcdef".utf8)

extension Sequence<UInt8> {
    /// The bytes as lower-case hexadecimal, two digits each (digests in token hashes and ETags).
    package var hexEncoded: String {
        var hex: [UInt8] = []
        hex.reserveCapacity(Swift.max(underestimatedCount * 2, 64))
        for byte in self {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
