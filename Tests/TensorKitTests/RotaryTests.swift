import Testing
@testable import TensorKit

/// The fused rotary embedding against its composition `x·cos + [−x₂, x₁]·sin`, on contiguous and
/// strided inputs, and its gradient.
@Suite struct RotaryTests {
    /// The composition with full-width tables `[L, D]` (each half's angle repeated).
    func composed(_ x: Tensor, cos: Tensor, sin: Tensor) -> Tensor {
        let axis = x.rank - 1, half = x.shape[axis] / 2
        let (fullCos, fullSin) = (Tensor.concat([cos, cos], axis: 1), Tensor.concat([sin, sin], axis: 1))
        let rotated = Tensor.concat([-x.slice(axis: axis, half..<2 * half), x.slice(axis: axis, 0..<half)], axis: axis)
        return x * fullCos + rotated * fullSin
    }

    func tables(length: Int, half: Int, dtype: DType = .float64) -> (Tensor, Tensor) {
        let angles = randomTensor([length, half], seed: 21, low: -3, high: 3)
        return (angles.cos().cast(to: dtype), angles.sin().cast(to: dtype))
    }

    @Test func matchesTheComposition() {
        let (cos, sin) = tables(length: 5, half: 3)
        let x = randomTensor([2, 4, 5, 6], seed: 22)
        expectClose(Tensor.rotaryEmbedding(x, cos: cos, sin: sin), composed(x, cos: cos, sin: sin).scalars(as: Double.self),
                    shape: [2, 4, 5, 6], tolerance: 1e-15)
        // Float32 gives the composition's values bit for bit (same products, same sums).
        let (c32, s32, x32) = (cos.cast(to: .float32), sin.cast(to: .float32), x.cast(to: .float32))
        #expect(Tensor.rotaryEmbedding(x32, cos: c32, sin: s32).scalars(as: Float.self)
                == composed(x32, cos: c32, sin: s32).scalars(as: Float.self))
    }

    /// Queries as a packed projection delivers them: `[B, L, H·D]` columns of a wider row, viewed
    /// as `[B, H, L, D]`.
    @Test func readsStridedViewsInPlace() {
        let (cos, sin) = tables(length: 5, half: 2)
        let packed = randomTensor([2, 5, 20], seed: 23)
        let q = packed.slice(axis: 2, 4..<16).reshape([2, 5, 3, 4]).permute(0, 2, 1, 3)
        #expect(!q.isContiguous)
        let got = Tensor.rotaryEmbedding(q, cos: cos, sin: sin)
        #expect(got.isContiguous)
        expectClose(got, composed(q.contiguous(), cos: cos, sin: sin).scalars(as: Double.self), shape: [2, 3, 5, 4], tolerance: 1e-15)
    }

    @Test func gradientOfTheComposition() {
        let (cos, sin) = tables(length: 3, half: 2)
        expectGradcheck([randomTensor([2, 3, 4], seed: 24)]) { Tensor.rotaryEmbedding($0[0], cos: cos, sin: sin) }
        expectGradcheck([randomTensor([2, 3, 8], seed: 25).slice(axis: 2, 2..<6)]) { Tensor.rotaryEmbedding($0[0], cos: cos, sin: sin) }
        let x = randomTensor([2, 3, 4], seed: 26).requiringGrad(), seed = randomTensor([2, 3, 4], seed: 27)
        let reference = randomTensor([2, 3, 4], seed: 26).requiringGrad()
        let got = gradients(of: Tensor.rotaryEmbedding(x, cos: cos, sin: sin), wrt: [x], seed: seed)[0]
        let want = gradients(of: composed(reference, cos: cos, sin: sin), wrt: [reference], seed: seed)[0]
        expectClose(got, want.scalars(as: Double.self), shape: [2, 3, 4], tolerance: 1e-14)
    }

    @Test func tablesMustFitTheInput() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor.rotaryEmbedding(Tensor.zeros([2, 3, 4]), cos: Tensor.zeros([3, 4]), sin: Tensor.zeros([3, 4]))
        }
    }
}
