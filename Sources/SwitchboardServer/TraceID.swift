/// Random UUID v4 strings, formatted without Foundation.
enum TraceID {
    private static let hex = Array("0123456789abcdef".utf8)

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        var bytes = [UInt8]()
        bytes.reserveCapacity(36)
        func append(_ value: UInt64, nibbles: Int) {
            for index in stride(from: nibbles - 1, through: 0, by: -1) {
                bytes.append(hex[Int((value >> UInt64(index * 4)) & 0xF)])
            }
        }
        append(high >> 32, nibbles: 8)
        bytes.append(UInt8(ascii: "-"))
        append((high >> 16) & 0xFFFF, nibbles: 4)
        bytes.append(UInt8(ascii: "-"))
        append(high & 0xFFFF, nibbles: 4)
        bytes.append(UInt8(ascii: "-"))
        append(low >> 48, nibbles: 4)
        bytes.append(UInt8(ascii: "-"))
        append(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
        return String(decoding: bytes, as: UTF8.self)
    }
}
