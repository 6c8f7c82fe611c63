#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Dot products of 32 packed integers with 32 floats, the inner loop of the fused kernels.
///
/// On x86-64 the integers are widened to floats in SSE2 registers (unpack, convert) and never
/// touch memory: the plain loops below do not vectorise, since widening bytes to floats takes
/// shuffles the compiler does not find. Elsewhere the portable loops run (NEON compilers widen
/// them well); both are checked against each other in the tests.
enum BlockDots {
    /// `Σ q[j]·x[j]` for the 32 unsigned nibbles of 16 bytes (`q[j]` the low nibble of byte `j`,
    /// `q[j + 16]` its high nibble), in four lanes.
    @inline(__always)
    static func nibbles(_ bytes: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD4<Float> {
        #if arch(x86_64)
        let packed = unsafeBitCast(bytes.loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self)
        let mask = _mm_set1_epi8(0x0F)
        return unsignedBytes(_mm_and_si128(packed, mask), x) + unsignedBytes(_mm_and_si128(_mm_srli_epi16(packed, 4), mask), x + 16)
        #else
        return portableNibbles(bytes, x)
        #endif
    }

    /// `Σ q[j]·x[j]` for 32 signed bytes, in four lanes.
    @inline(__always)
    static func signedBytes(_ bytes: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD4<Float> {
        #if arch(x86_64)
        return signed16(unsafeBitCast(bytes.loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self), x)
            + signed16(unsafeBitCast(bytes.loadUnaligned(fromByteOffset: 16, as: SIMD16<UInt8>.self), to: __m128i.self), x + 16)
        #else
        return portableSignedBytes(bytes, x)
        #endif
    }

    #if arch(x86_64)
    /// 16 unsigned bytes (each below 128) times `x[0..<16]`.
    @inline(__always)
    private static func unsignedBytes(_ v: __m128i, _ x: UnsafePointer<Float>) -> SIMD4<Float> {
        let zero = _mm_setzero_si128()
        let low = _mm_unpacklo_epi8(v, zero), high = _mm_unpackhi_epi8(v, zero)
        return products(_mm_unpacklo_epi16(low, zero), _mm_unpackhi_epi16(low, zero),
                        _mm_unpacklo_epi16(high, zero), _mm_unpackhi_epi16(high, zero), x)
    }

    /// 16 signed bytes times `x[0..<16]`: each byte is sign-extended by unpacking it into the top
    /// of a wider lane and shifting arithmetically back down.
    @inline(__always)
    private static func signed16(_ v: __m128i, _ x: UnsafePointer<Float>) -> SIMD4<Float> {
        let low = _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8), high = _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8)
        return products(_mm_srai_epi32(_mm_unpacklo_epi16(low, low), 16), _mm_srai_epi32(_mm_unpackhi_epi16(low, low), 16),
                        _mm_srai_epi32(_mm_unpacklo_epi16(high, high), 16), _mm_srai_epi32(_mm_unpackhi_epi16(high, high), 16), x)
    }

    /// Four vectors of 32-bit integers converted and multiplied by `x[0..<16]`, summed lane-wise.
    @inline(__always)
    private static func products(_ a: __m128i, _ b: __m128i, _ c: __m128i, _ d: __m128i, _ x: UnsafePointer<Float>) -> SIMD4<Float> {
        let raw = UnsafeRawPointer(x)
        let s0 = _mm_cvtepi32_ps(a) * raw.loadUnaligned(as: SIMD4<Float>.self)
        let s1 = _mm_cvtepi32_ps(b) * raw.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
        let s2 = _mm_cvtepi32_ps(c) * raw.loadUnaligned(fromByteOffset: 32, as: SIMD4<Float>.self)
        let s3 = _mm_cvtepi32_ps(d) * raw.loadUnaligned(fromByteOffset: 48, as: SIMD4<Float>.self)
        return (s0 + s1) + (s2 + s3)
    }
    #endif

    /// ``nibbles(_:_:)`` in plain Swift.
    static func portableNibbles(_ bytes: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD4<Float> {
        var sum = SIMD4<Float>()
        for j in stride(from: 0, to: 16, by: 4) {
            var low = SIMD4<Float>(), high = SIMD4<Float>()
            for lane in 0..<4 {
                let byte = bytes.load(fromByteOffset: j + lane, as: UInt8.self)
                low[lane] = Float(byte & 0x0F)
                high[lane] = Float(byte >> 4)
            }
            sum += low * UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Float>.self)
                + high * UnsafeRawPointer(x + j + 16).loadUnaligned(as: SIMD4<Float>.self)
        }
        return sum
    }

    /// ``signedBytes(_:_:)`` in plain Swift.
    static func portableSignedBytes(_ bytes: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD4<Float> {
        var sum = SIMD4<Float>()
        for j in stride(from: 0, to: 32, by: 4) {
            var q = SIMD4<Float>()
            for lane in 0..<4 { q[lane] = Float(bytes.load(fromByteOffset: j + lane, as: Int8.self)) }
            sum += q * UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Float>.self)
        }
        return sum
    }
}
