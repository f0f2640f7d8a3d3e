@_spi(Fuzzing) import SwitchboardServer

/// libFuzzer's entry point: a violated property becomes a crash, so libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let violation = FuzzTargets.run(UnsafeRawBufferPointer(start: data, count: size)) {
        fatalError("fuzz property violated: \(violation)")
    }
    return 0
}
