/// A branch-free single-precision `exp`, so loops over it vectorise.
///
/// A call to libm's `expf` is opaque to the optimiser and keeps an elementwise loop scalar (about
/// 4x slower on AVX2 than this). This is the Cephes method: `exp(x) = 2^n · e^r` with
/// `n = round(x / ln 2)` and `|r| ≤ ln 2 / 2`; `e^r` from a degree-6 polynomial; `2^n` assembled
/// in the exponent bits, in two halves so subnormal results and overflow to infinity come out right.
/// Every step is a select, a multiply-add or an integer bit operation. Error ≤ 2 ulp over the
/// normal range; NaN propagates.
enum VectorExp {
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
}
