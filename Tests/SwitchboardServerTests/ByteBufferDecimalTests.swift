import NIOCore
import Testing

@testable import SwitchboardServer

/// The hot path writes Content-Length and the rate-limit numbers with `writeDecimal`, not `String(_:)`.
@Suite struct ByteBufferDecimalTests {
    @Test(arguments: [0, 7, 10, 99, 100, 12_345, 1_000_000_000, -5, Int.max, Int.min])
    func writesWhatStringWrites(_ value: Int) {
        var buffer = ByteBuffer()
        buffer.writeStaticString("x")
        buffer.writeDecimal(value)
        #expect(buffer.readString(length: buffer.readableBytes) == "x" + String(value))
    }
}
