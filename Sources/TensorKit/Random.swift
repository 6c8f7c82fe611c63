import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64) whose streams are
/// identical across runs and machines: pure integer arithmetic, no platform randomness.
///
/// Pass one explicitly for reproducible initialisation, or use the per-thread default
/// (``Generator/default``), reseeded with ``Generator/manualSeed(_:)`` like `torch.manual_seed`.
public final class Generator {
    private var stream = RandomStream(state: (0, 0, 0, 0))
    /// The seed this generator started from.
    public private(set) var seed: UInt64

    /// A generator starting at `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        reseed(seed)
    }

    /// Restarts the stream from `seed`.
    public func reseed(_ seed: UInt64) {
        self.seed = seed
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        stream.state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The full internal state, for checkpoints that must resume the exact stream.
    public var stateWords: [UInt64] {
        get { [stream.state.0, stream.state.1, stream.state.2, stream.state.3] }
        set {
            precondition(newValue.count == 4, "Generator.stateWords: expected 4 words, got \(newValue.count)")
            stream.state = (newValue[0], newValue[1], newValue[2], newValue[3])
        }
    }

    /// The next 64 random bits.
    @inline(__always)
    public func next() -> UInt64 { stream.next() }

    /// Runs `body` on a local copy of the stream and keeps where it ended: the same numbers as
    /// calling ``next()`` repeatedly, without a class-property access per draw (bulk fills such
    /// as dropout masks draw millions per step).
    func withStream<R>(_ body: (inout RandomStream) -> R) -> R {
        var local = stream
        defer { stream = local }
        return body(&local)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in `0..<bound` (unbiased, Lemire's method).
    public func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "Generator.nextInt: bound must be positive, got \(bound)")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// A standard normal sample (Box–Muller on doubles, one value per call).
    public func nextNormal() -> Double {
        let u1 = Swift.max(nextDouble(), Double.leastNonzeroMagnitude)
        let u2 = nextDouble()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    private static let threadKey = "TensorKit.Generator.default"

    /// This thread's default generator (seed 0 until reseeded).
    public static var `default`: Generator {
        let dictionary = Thread.current.threadDictionary
        if let existing = dictionary[threadKey] as? Generator { return existing }
        let fresh = Generator(seed: 0)
        dictionary[threadKey] = fresh
        return fresh
    }

    /// Reseeds this thread's default generator, like `torch.manual_seed`.
    public static func manualSeed(_ seed: UInt64) { Generator.default.reseed(seed) }
}

@available(*, unavailable)
extension Generator: Sendable {}

/// The xoshiro256** step of ``Generator`` on a value, for tight loops (see `Generator.withStream`).
struct RandomStream {
    var state: (UInt64, UInt64, UInt64, UInt64)

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = Self.rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotate(state.3, 45)
        return result
    }

    @inline(__always) private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
