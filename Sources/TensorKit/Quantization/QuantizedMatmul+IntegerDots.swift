#if arch(x86_64)
import _Builtin_intrinsics.intel
import CQuantizedKernels

/// Input rows split into 16-bit integers, so that the fused kernels dot them with a block's
/// integers in integer multiply-adds (`pmaddwd`: eight 16-bit products summed in pairs per
/// instruction) instead of widening every weight to a float.
///
/// Each 32-value block of a row gets a scale `s = max|x| / 32767` and two integers per value,
/// `x ≈ s · (high + low / 32768)`: `high = round(x / s)`, `low` the rounded remainder. The pair
/// keeps about 31 bits of the value — more than float32's 24 — so the results stay within float
/// rounding of the float kernels (llama.cpp rounds the input to 8 bits instead, which is faster
/// but moves logits by ~1e-2). The block sums are at most 15 · 32767 · 32 (4-bit weights) or
/// 128 · 32767 · 32 (8-bit), inside `Int32`. With the AVX2 kernel the C function
/// `cqk_split_rows` does the same operations eight values at a time, bit for bit.
struct Int16Rows {
    /// Per block of each row: 32 high parts, then 32 low parts.
    let parts: UnsafeMutablePointer<Int16>
    /// `s` of each block of each row (`rows × blocks`).
    let scales: UnsafeMutablePointer<Float>

    /// Splits `n` rows of `blocks` 32-value blocks of `x` (contiguous), with `kernel`'s code.
    init(_ x: UnsafePointer<Float>, rows n: Int, blocks: Int, kernel: FusedQuantizedRows.Kernel = .preferred) {
        parts = .allocate(capacity: Swift.max(1, n * blocks * 64))
        scales = .allocate(capacity: Swift.max(1, n * blocks))
        if kernel == .avx2 {
            cqk_split_rows(x, n * blocks, parts, scales)
            return
        }
        for i in 0..<n * blocks {
            let values = x + 32 * i, high = parts + 64 * i, low = high + 32
            var largest: Float = 0, total: Float = 0
            for j in 0..<32 {
                largest = Swift.max(largest, Swift.abs(values[j]))
                total += Swift.abs(values[j])
            }
            guard largest > 0, total.isFinite else {
                // Zeros stay zero; a block holding NaN or infinity gets a NaN scale, so the
                // row's result is NaN, as a float dot product with it would be (or infinite).
                scales[i] = largest == 0 && total == 0 ? 0 : .nan
                high.update(repeating: 0, count: 64)
                continue
            }
            let scale = largest / 32767
            scales[i] = scale
            for j in 0..<32 {
                let r = Swift.min(32767, Swift.max(-32767, values[j] / scale))
                let h = Self.nearest(r)
                high[j] = Int16(h)
                low[j] = Int16(Self.nearest((r - Float(h)) * 32768))
            }
        }
    }

    /// `v` rounded to the nearest integer, halves away from zero, for |v| ≤ 32767 (`rounded()`
    /// is a library call on x86-64 without SSE4.1; the conversion truncates).
    @inline(__always)
    static func nearest(_ v: Float) -> Int32 { Int32(v + (v < 0 ? -0.5 : 0.5)) }

    func deallocate() {
        parts.deallocate()
        scales.deallocate()
    }
}

/// Integer dot products of one block's 32 weights, widened to 16-bit lanes, with a block of
/// ``Int16Rows``.
enum IntegerBlockDots {
    /// The 32 weights of a block as four vectors of eight 16-bit integers (values 0–7, 8–15,
    /// 16–23, 24–31).
    typealias Widened = (__m128i, __m128i, __m128i, __m128i)

    /// 32 unsigned nibbles of 16 bytes (value `j` in the low nibble of byte `j`, `j + 16` in its high one).
    @inline(__always)
    static func nibbles(_ bytes: UnsafeRawPointer) -> Widened {
        let packed = unsafeBitCast(bytes.loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self)
        let mask = _mm_set1_epi8(0x0F), zero = _mm_setzero_si128()
        let low = _mm_and_si128(packed, mask), high = _mm_and_si128(_mm_srli_epi16(packed, 4), mask)
        return (_mm_unpacklo_epi8(low, zero), _mm_unpackhi_epi8(low, zero),
                _mm_unpacklo_epi8(high, zero), _mm_unpackhi_epi8(high, zero))
    }

    /// 32 signed bytes, sign-extended (each byte unpacked into the top of its lane, then shifted
    /// arithmetically down).
    @inline(__always)
    static func signedBytes(_ bytes: UnsafeRawPointer) -> Widened {
        let a = unsafeBitCast(bytes.loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self)
        let b = unsafeBitCast(bytes.loadUnaligned(fromByteOffset: 16, as: SIMD16<UInt8>.self), to: __m128i.self)
        return (_mm_srai_epi16(_mm_unpacklo_epi8(a, a), 8), _mm_srai_epi16(_mm_unpackhi_epi8(a, a), 8),
                _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8), _mm_srai_epi16(_mm_unpackhi_epi8(b, b), 8))
    }

    /// `Σ w[j] · (high[j] + low[j] / 32768)` in four lanes, for the 64 parts at `x`.
    @inline(__always)
    static func dot(_ w: Widened, _ x: UnsafePointer<Int16>) -> SIMD4<Float> {
        let raw = UnsafeRawPointer(x)
        func part(_ offset: Int) -> __m128i { unsafeBitCast(raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int16>.self), to: __m128i.self) }
        let high = _mm_add_epi32(_mm_add_epi32(_mm_madd_epi16(w.0, part(0)), _mm_madd_epi16(w.1, part(16))),
                                 _mm_add_epi32(_mm_madd_epi16(w.2, part(32)), _mm_madd_epi16(w.3, part(48))))
        let low = _mm_add_epi32(_mm_add_epi32(_mm_madd_epi16(w.0, part(64)), _mm_madd_epi16(w.1, part(80))),
                                _mm_add_epi32(_mm_madd_epi16(w.2, part(96)), _mm_madd_epi16(w.3, part(112))))
        let lowFraction: SIMD4<Float> = _mm_cvtepi32_ps(low) * SIMD4(repeating: 1 / 32768)
        return _mm_cvtepi32_ps(high) + lowFraction
    }
}
#endif
