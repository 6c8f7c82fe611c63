import Foundation

/// Deterministic mutations of seed inputs: byte-level damage (flips, interesting values,
/// inserted, deleted or repeated ranges, truncation, splicing) and, for text, numbers replaced by
/// hostile ones (huge, negative, fractional, non-finite), which is how a config file lies.
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    static let interestingIntegers: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000,
                                                0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, .max]
    static let hostileNumbers = ["0", "-1", "2", "2.0", "1e300", "-1e300", "999999999999999", "2147483648",
                                 "9223372036854775807", "18446744073709551616", "0.5", "NaN", "1000", "100000000", "true", "null", "\"x\""]

    /// One mutated input made from `seeds`.
    mutating func mutate(_ seeds: [Data]) -> Data {
        var bytes = [UInt8](seeds[below(seeds.count)])
        for _ in 0..<(1 + below(4)) { apply(&bytes, seeds: seeds) }
        return Data(bytes)
    }

    private mutating func apply(_ bytes: inout [UInt8], seeds: [Data]) {
        let count = bytes.count
        switch below(9) {
        case 0 where count > 0:
            bytes[below(count)] ^= UInt8(1) << UInt8(below(8))
        case 1 where count > 0:
            bytes[below(count)] = [0, 0xFF, 0x7F, 0x80, 0x22, 0x7B, 0x5D][below(7)]
        case 2 where count >= 8:
            let value = Self.interestingIntegers[below(Self.interestingIntegers.count)]
            let width = [2, 4, 8][below(3)], at = below(count - width + 1)
            for k in 0..<width { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
        case 3:
            let at = below(count + 1)
            bytes.insert(contentsOf: (0..<(1 + below(16))).map { _ in UInt8(truncatingIfNeeded: next()) }, at: at)
        case 4 where count > 1:
            let at = below(count), length = 1 + below(Swift.min(64, count - at))
            bytes.removeSubrange(at..<(at + length))
        case 5 where count > 1:
            let at = below(count), length = 1 + below(Swift.min(64, count - at))
            bytes.insert(contentsOf: bytes[at..<(at + length)], at: below(count))
        case 6 where count > 0:
            bytes.removeLast(below(count) + 1)
        case 7:
            let other = [UInt8](seeds[below(seeds.count)])
            guard !other.isEmpty else { return }
            let cut = below(count + 1), from = below(other.count)
            bytes = Array(bytes[..<cut]) + other[from...]
        default:
            replaceNumber(&bytes)
        }
    }

    /// Replaces one run of digits (with its sign and fraction) by a hostile number.
    private mutating func replaceNumber(_ bytes: inout [UInt8]) {
        let digits = bytes.indices.filter { (0x30...0x39).contains(bytes[$0]) }
        guard !digits.isEmpty else { return }
        var start = digits[below(digits.count)], end = start
        while start > 0, (0x30...0x39).contains(bytes[start - 1]) || bytes[start - 1] == 0x2D || bytes[start - 1] == 0x2E { start -= 1 }
        while end < bytes.count, (0x30...0x39).contains(bytes[end]) || bytes[end] == 0x2E || bytes[end] == 0x65 { end += 1 }
        bytes.replaceSubrange(start..<end, with: Array(Self.hostileNumbers[below(Self.hostileNumbers.count)].utf8))
    }
}
