/// A compile-time switch for update kernels: a loop generic over a flag is specialised once per
/// value, so the branch disappears and the loop can vectorise (a run-time flag that guards a
/// store keeps LLVM from vectorising).
protocol KernelFlag {
    static var isOn: Bool { get }
}

/// The flag set.
enum FlagOn: KernelFlag { @inline(__always) static var isOn: Bool { true } }
/// The flag cleared.
enum FlagOff: KernelFlag { @inline(__always) static var isOn: Bool { false } }

extension FloatingScalar {
    /// The square root of a value known to be non-negative (a sum of squares).
    ///
    /// Swift's `sqrt` on Linux goes through libm's `sqrtf`, which may set `errno`, and that
    /// keeps the loop vectoriser away; `abs` (exact for such values) tells LLVM the argument is
    /// non-negative, so it emits the `sqrtps`/`sqrtpd` instruction instead.
    @inline(__always)
    static func sqrtOfNonNegative(_ x: Self) -> Self { sqrt(Swift.abs(x)) }
}
