import NIOCore

extension ByteBuffer {
    /// `value` in decimal ASCII, written without making a `String` first (the hot path writes several a response).
    mutating func writeDecimal(_ value: Int) {
        if value < 0 { writeInteger(UInt8(ascii: "-")) }
        var rest = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for the 20 digits of any Int, backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { bytes in
            repeat {
                count += 1
                bytes[bytes.count - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            writeBytes(UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - count)...]))
        }
    }
}
