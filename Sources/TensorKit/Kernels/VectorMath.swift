#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Branch-free single-precision `exp`, `tanh` and `erf`, so elementwise loops over them vectorise.
///
/// A call to libm's `expf`, `tanhf` or `erff` is opaque to the optimiser and keeps a loop scalar, one
/// call per element. Float64 keeps libm (it is the gradcheck type, not the training type).
enum VectorMath {
    /// The Cephes method: `exp(x) = 2^n · e^r` with
    /// `n = round(x / ln 2)` and `|r| ≤ ln 2 / 2`; `e^r` from a degree-6 polynomial; `2^n` assembled
    /// in the exponent bits, in two halves so subnormal results and overflow to infinity come out right.
    /// Every step is a select, a multiply-add or an integer bit operation. Error ≤ 2 ulp over
    /// the whole range; NaN propagates.
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        // Beyond these, the result is 0 or infinity anyway; clamping keeps `n` in range.
        var x = input
        x = x > 89 ? 89 : x
        x = x < -104 ? -104 : x
        // Round x·log2(e) to the nearest integer with the 1.5·2^23 trick: no float-to-int
        // conversion, which would trap on NaN.
        let magic: Float = 12_582_912
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let k = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        // Cody–Waite: ln 2 split in two so n·c1 is exact.
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_65
        p = p * r + 0.500_000_01
        p = p * r * r + r + 1
        // 2^k as 2^k1 · 2^k2, each a normal float for k in [-150, 128].
        let k1 = k >> 1
        let k2 = k &- k1
        let s1 = Float(bitPattern: UInt32(bitPattern: (k1 &+ 127) &<< 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (k2 &+ 127) &<< 23))
        return p * s1 * s2
    }

    /// The odd rational minimax approximation of degree 13/6 used by Eigen, XLA and ONNX Runtime's
    /// MLAS. Odd in `x`, so small arguments keep their relative accuracy (`1 − 2/(e^2x + 1)`
    /// would cancel); clamped where tanh rounds to ±1; below 4e-4 tanh(x) is x to float precision.
    /// Error ≤ 6 ulp (3e-7 absolute, worst near |x| = 6); libm's `tanhf` is 1 ulp but scalar.
    @inline(__always)
    static func tanh(_ input: Float) -> Float {
        var x = input
        x = x > 7.905_311_1 ? 7.905_311_1 : x
        x = x < -7.905_311_1 ? -7.905_311_1 : x
        let x2 = x * x
        var p: Float = -2.760_768_477_423_55e-16
        p = p * x2 + 2.000_187_904_824_77e-13
        p = p * x2 - 8.604_671_522_137_35e-11
        p = p * x2 + 5.122_297_090_371_14e-08
        p = p * x2 + 1.485_722_357_179_79e-05
        p = p * x2 + 6.372_619_288_754_36e-04
        p = p * x2 + 4.893_524_558_917_86e-03
        var q: Float = 1.198_258_394_667_02e-06
        q = q * x2 + 1.185_347_056_866_54e-04
        q = q * x2 + 2.268_434_632_439_00e-03
        q = q * x2 + 4.893_525_185_543_85e-03
        let tiny = input < 0.0004 && input > -0.0004
        return tiny ? input : x * p / q
    }

    /// The odd rational approximation of degree 13/8 used by Eigen and XLA, clamped to [-4, 4]
    /// (where erf rounds to ±1). Absolute error below 5e-7 (worst near |x| = 3.3); small arguments keep their relative
    /// accuracy. As with any float32 erf, `1 + erf(x)` for x below about -3 keeps only absolute
    /// accuracy.
    @inline(__always)
    static func erf(_ input: Float) -> Float {
        var x = input
        x = x > 4 ? 4 : x
        x = x < -4 ? -4 : x
        let x2 = x * x
        var p: Float = -2.726_142_258_013_06e-10
        p = p * x2 + 2.770_681_424_959_02e-08
        p = p * x2 - 2.101_024_020_825_08e-06
        p = p * x2 - 5.692_506_394_623_46e-05
        p = p * x2 - 7.349_906_303_268_55e-04
        p = p * x2 - 2.954_599_808_540_25e-03
        p = p * x2 - 1.609_603_332_624_15e-02
        var q: Float = -1.456_607_184_649_96e-05
        q = q * x2 - 2.133_740_552_789_05e-04
        q = q * x2 - 1.682_826_974_382_03e-03
        q = q * x2 - 7.373_329_167_204_68e-03
        q = q * x2 - 1.426_473_905_141_89e-02
        return x * p / q
    }
}

// MARK: Explicit vectors

/// The same functions on eight lanes at once. The release build targets baseline x86-64 (SSE2),
/// where the auto-vectoriser often gives up on these bodies (selects, integer bit tricks); written
/// on `SIMD8<Float>` they compile to packed SSE instructions, two registers per value, which also
/// gives each step two independent chains. Each lane computes exactly what the scalar function
/// computes (same operations, same order, no fused multiply-add), so vector bodies and scalar tails
/// of a loop agree bit for bit.
///
/// Avoid `pointwiseMin`/`pointwiseMax` and `SIMD.max()` here: the standard library implements them
/// lane by lane with NaN checks, which stays scalar. `replacing(with:where:)` vectorises but goes
/// through an integer mask (five instructions a select), so on x86_64 clamps, maxima and selects
/// use the SSE intrinsics (`minps`, `maxps`, `cmpltps` + bitwise select; all baseline x86-64).
extension VectorMath {
    /// The vector type of the float32 kernels.
    typealias FloatVector = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> FloatVector {
        UnsafeRawPointer(p).loadUnaligned(as: FloatVector.self)
    }

    @inline(__always)
    static func store(_ v: FloatVector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: FloatVector.self)
    }

    /// Lane-wise maximum, `b` where `b > a` (NaN in `b` is ignored, as in the scalar row maximum).
    @inline(__always)
    static func maximum(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        #if arch(x86_64)
        // maxps(b, a) = b > a ? b : a.
        return FloatVector(lowHalf: _mm_max_ps(b.lowHalf, a.lowHalf), highHalf: _mm_max_ps(b.highHalf, a.highHalf))
        #else
        return a.replacing(with: b, where: b .> a)
        #endif
    }

    /// `x` clamped to `[low, high]`; NaN stays NaN (as `x > high ? high : x` does).
    @inline(__always)
    static func clamp(_ x: FloatVector, _ low: Float, _ high: Float) -> FloatVector {
        #if arch(x86_64)
        // minps(c, x) = c < x ? c : x, so a NaN `x` passes through both.
        let h = SIMD4<Float>(repeating: high), l = SIMD4<Float>(repeating: low)
        return FloatVector(lowHalf: _mm_max_ps(l, _mm_min_ps(h, x.lowHalf)),
                           highHalf: _mm_max_ps(l, _mm_min_ps(h, x.highHalf)))
        #else
        var y = x.replacing(with: high, where: x .> high)
        y = y.replacing(with: low, where: y .< low)
        return y
        #endif
    }

    /// `a` where `|x| < limit`, `b` elsewhere (and where `x` is NaN).
    @inline(__always)
    static func select(whereMagnitudeOf x: FloatVector, below limit: Float, _ a: FloatVector,
                       else b: FloatVector) -> FloatVector {
        #if arch(x86_64)
        @inline(__always) func half(_ x: SIMD4<Float>, _ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
            let magnitude = _mm_andnot_ps(SIMD4<Float>(repeating: -0.0), x)
            let m = _mm_cmplt_ps(magnitude, SIMD4<Float>(repeating: limit))
            return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b))
        }
        return FloatVector(lowHalf: half(x.lowHalf, a.lowHalf, b.lowHalf), highHalf: half(x.highHalf, a.highHalf, b.highHalf))
        #else
        return b.replacing(with: a, where: (x .< limit) .& (x .> -limit))
        #endif
    }

    /// Largest lane.
    @inline(__always)
    static func horizontalMaximum(_ v: FloatVector) -> Float {
        var m = v[0]
        for i in 1..<FloatVector.scalarCount where v[i] > m { m = v[i] }
        return m
    }

    /// `a` where `x < 0`, `b` elsewhere (and where `x` is NaN).
    @inline(__always)
    static func select(negativeIn x: FloatVector, _ a: FloatVector, else b: FloatVector) -> FloatVector {
        #if arch(x86_64)
        @inline(__always) func half(_ x: SIMD4<Float>, _ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
            let m = _mm_cmplt_ps(x, SIMD4<Float>(repeating: 0))
            return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b))
        }
        return FloatVector(lowHalf: half(x.lowHalf, a.lowHalf, b.lowHalf), highHalf: half(x.highHalf, a.highHalf, b.highHalf))
        #else
        return b.replacing(with: a, where: x .< 0)
        #endif
    }

    /// Lane-wise ``exp(_:)-(Float)``.
    @inline(__always)
    static func exp(_ input: FloatVector) -> FloatVector {
        let x = clamp(input, -104, 89)
        let magic = FloatVector(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let k = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- Int32(bitPattern: Float(12_582_912).bitPattern)
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = FloatVector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_65
        p = p * r + 0.500_000_01
        p = p * r * r + r + 1
        let k1 = k &>> 1
        let k2 = k &- k1
        let s1 = unsafeBitCast((k1 &+ 127) &<< 23, to: FloatVector.self)
        let s2 = unsafeBitCast((k2 &+ 127) &<< 23, to: FloatVector.self)
        return p * s1 * s2
    }

    /// `exp(x)` for `x ≤ 88` (softmax arguments `x − max`, `−x²/2`, `−|x|`), cheaper than
    /// ``exp(_:)-(FloatVector)``: one lower clamp, `2ⁿ` built in one step, results below the
    /// smallest normal float (x < −87.34) flushed to 0 instead of going subnormal, and a degree-5
    /// polynomial for `eʳ` on |r| ≤ ln 2 / 2 (fitted for relative error; Cephes' degree 7 is more
    /// than float32 needs). Relative error ≤ 1.9e-7 (about 1.5 ulp, measured over [−87.3, 0]);
    /// NaN propagates; `exp(−∞) = 0`. Wrong (not merely inexact) for x > 88.37.
    @inline(__always)
    static func expNonPositive(_ input: FloatVector) -> FloatVector {
        #if arch(x86_64)
        let low = SIMD4<Float>(repeating: -87.336_54)
        let x = FloatVector(lowHalf: _mm_max_ps(low, input.lowHalf), highHalf: _mm_max_ps(low, input.highHalf))
        #else
        let x = input.replacing(with: -87.336_54, where: input .< -87.336_54)
        #endif
        let magic = FloatVector(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = FloatVector(repeating: 8.312_707_8e-3)
        p = p * r + 4.189_108_1e-2
        p = p * r + 0.166_671_15
        p = p * r + 0.499_992_25
        p = p * r * r + r + 1
        // The low bits of `shifted` hold n + bits(magic): (n + 127) << 23 in two integer steps.
        let bias = 127 &- Int32(bitPattern: Float(12_582_912).bitPattern)
        let scale = unsafeBitCast((unsafeBitCast(shifted, to: SIMD8<Int32>.self) &+ bias) &<< 23, to: FloatVector.self)
        let y = p * scale
        #if arch(x86_64)
        @inline(__always) func flush(_ y: SIMD4<Float>, _ input: SIMD4<Float>) -> SIMD4<Float> {
            _mm_andnot_ps(_mm_cmplt_ps(input, low), y)
        }
        return FloatVector(lowHalf: flush(y.lowHalf, input.lowHalf), highHalf: flush(y.highHalf, input.highHalf))
        #else
        return y.replacing(with: 0, where: input .< -87.336_54)
        #endif
    }

    /// Scalar ``expNonPositive(_:)-(FloatVector)`` (loop tails), the same operations lane for lane.
    @inline(__always)
    static func expNonPositive(_ input: Float) -> Float {
        let x = input < -87.336_54 ? -87.336_54 : input
        let magic: Float = 12_582_912
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p: Float = 8.312_707_8e-3
        p = p * r + 4.189_108_1e-2
        p = p * r + 0.166_671_15
        p = p * r + 0.499_992_25
        p = p * r * r + r + 1
        let bias = 127 &- Int32(bitPattern: magic.bitPattern)
        let scale = Float(bitPattern: UInt32(bitPattern: (Int32(bitPattern: shifted.bitPattern) &+ bias) &<< 23))
        return input < -87.336_54 ? 0 : p * scale
    }

    /// Lane-wise ``tanh(_:)-(Float)``.
    @inline(__always)
    static func tanh(_ input: FloatVector) -> FloatVector {
        let x = clamp(input, -7.905_311_1, 7.905_311_1)
        let x2 = x * x
        var p = FloatVector(repeating: -2.760_768_477_423_55e-16)
        p = p * x2 + 2.000_187_904_824_77e-13
        p = p * x2 - 8.604_671_522_137_35e-11
        p = p * x2 + 5.122_297_090_371_14e-08
        p = p * x2 + 1.485_722_357_179_79e-05
        p = p * x2 + 6.372_619_288_754_36e-04
        p = p * x2 + 4.893_524_558_917_86e-03
        var q = FloatVector(repeating: 1.198_258_394_667_02e-06)
        q = q * x2 + 1.185_347_056_866_54e-04
        q = q * x2 + 2.268_434_632_439_00e-03
        q = q * x2 + 4.893_525_185_543_85e-03
        return select(whereMagnitudeOf: input, below: 0.0004, input, else: x * p / q)
    }

    /// Lane-wise ``erf(_:)-(Float)``.
    @inline(__always)
    static func erf(_ input: FloatVector) -> FloatVector {
        let x = clamp(input, -4, 4)
        let x2 = x * x
        var p = FloatVector(repeating: -2.726_142_258_013_06e-10)
        p = p * x2 + 2.770_681_424_959_02e-08
        p = p * x2 - 2.101_024_020_825_08e-06
        p = p * x2 - 5.692_506_394_623_46e-05
        p = p * x2 - 7.349_906_303_268_55e-04
        p = p * x2 - 2.954_599_808_540_25e-03
        p = p * x2 - 1.609_603_332_624_15e-02
        var q = FloatVector(repeating: -1.456_607_184_649_96e-05)
        q = q * x2 - 2.133_740_552_789_05e-04
        q = q * x2 - 1.682_826_974_382_03e-03
        q = q * x2 - 7.373_329_167_204_68e-03
        q = q * x2 - 1.426_473_905_141_89e-02
        return x * p / q
    }
}
