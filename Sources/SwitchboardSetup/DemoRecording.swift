import Foundation

/// The recording `--demo` gives its answered calls: a real WAV file (RIFF, 8 kHz, 16-bit mono PCM) of a short
/// two-tone chime, which any audio player plays.
enum DemoRecording {
    static let sampleRate = 8_000

    /// `seconds` of sound: 440 Hz, then 660 Hz, each fading in and out.
    static func wav(seconds: Double = 1) -> [UInt8] {
        let count = Int(Double(sampleRate) * seconds)
        var samples: [UInt8] = []
        samples.reserveCapacity(count * 2)
        for index in 0..<count {
            let time = Double(index) / Double(sampleRate)
            let half = index < count / 2
            let frequency = half ? 440.0 : 660.0
            let position = Double(half ? index : index - count / 2) / Double(count / 2)
            let envelope = sin(Double.pi * position)  // 0 → 1 → 0 over each tone
            let value = Int16(clamping: Int(12_000 * envelope * sin(2 * Double.pi * frequency * time)))
            samples.append(UInt8(truncatingIfNeeded: value))
            samples.append(UInt8(truncatingIfNeeded: value >> 8))
        }
        var file: [UInt8] = []
        file.reserveCapacity(44 + samples.count)
        func text(_ value: String) { file.append(contentsOf: value.utf8) }
        func uint32(_ value: Int) { for shift in stride(from: 0, to: 32, by: 8) { file.append(UInt8(truncatingIfNeeded: value >> shift)) } }
        func uint16(_ value: Int) { file.append(UInt8(truncatingIfNeeded: value)); file.append(UInt8(truncatingIfNeeded: value >> 8)) }
        text("RIFF"); uint32(36 + samples.count); text("WAVE")
        text("fmt "); uint32(16); uint16(1); uint16(1); uint32(sampleRate); uint32(sampleRate * 2); uint16(2); uint16(16)
        text("data"); uint32(samples.count)
        file.append(contentsOf: samples)
        return file
    }
}
