/// Reads the f16 scales stored in quantized blocks.
///
/// `Float(Float16(bitPattern:))` compiles to a library call on x86-64 builds without F16C,
/// which cost as much as decoding the 32 values of a block; this exact bit-level conversion
/// inlines to a few integer instructions (same results for every finite value and infinity,
/// including subnormals, which it normalises with one exact float subtraction).
enum BlockScale {
    /// The f16 at `offset` bytes into `block` (no alignment needed), as a Float.
    @inline(__always)
    static func half(_ block: UnsafeRawPointer, _ offset: Int) -> Float {
        float(fromHalfBits: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// The Float equal to the IEEE half-precision value with bits `bits`.
    @inline(__always)
    static func float(fromHalfBits bits: UInt16) -> Float {
        let exponentMask: UInt32 = 0x7C00 << 13
        var magnitude = UInt32(bits & 0x7FFF) << 13       // exponent and mantissa in float position
        let exponent = magnitude & exponentMask
        magnitude &+= (127 - 15) << 23                    // rebias the exponent
        if exponent == exponentMask {
            magnitude &+= (128 - 16) << 23                // infinity or NaN: exponent all ones
        } else if exponent == 0 {
            // Zero or subnormal: give it the smallest normal exponent, then subtract that
            // exponent's implicit one (2^-14), which is exact.
            magnitude &+= 1 << 23
            magnitude = (Float(bitPattern: magnitude) - Float(bitPattern: 113 << 23)).bitPattern
        }
        return Float(bitPattern: magnitude | UInt32(bits & 0x8000) << 16)
    }
}
