import Testing
@testable import TensorKit

/// Grouped-query attention (keys/values with fewer heads) and the causal limit with an offset,
/// against the same attention spelled out: repeated key/value heads and explicit bool masks.
@Suite struct GroupedCausalAttentionTests {
    /// `[B, Hkv, L, D] → [B, Hkv·group, L, D]`, each head repeated for its group.
    func repeated(_ t: Tensor, group: Int) -> Tensor {
        let (b, h, l, d) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        return t.unsqueezed(axis: 2).expand(to: [b, h, group, l, d]).reshape([b, h * group, l, d])
    }

    /// Query `i` may attend to key `j` when `j ≤ i + offset`, as a `[1, 1, Lq, Lk]` bool mask.
    func causalMask(queries: Int, keys: Int, offset: Int) -> Tensor {
        var allowed = [Bool](repeating: false, count: queries * keys)
        for i in 0..<queries { for j in 0..<keys where j <= i + offset { allowed[i * keys + j] = true } }
        return Tensor(allowed, shape: [1, 1, queries, keys])
    }

    /// Values and the gradients of q, k and v of `fused` and `reference` for one output seed.
    func expectSameAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, tolerance: Double = 1e-11,
                             sourceLocation: SourceLocation = #_sourceLocation,
                             fused: (Tensor, Tensor, Tensor) -> Tensor, reference: (Tensor, Tensor, Tensor) -> Tensor) {
        let inputs = [q, k, v].map { $0.detach().requiringGrad() }
        let copies = [q, k, v].map { $0.detach().requiringGrad() }
        let got = fused(inputs[0], inputs[1], inputs[2]), want = reference(copies[0], copies[1], copies[2])
        expectClose(got, want.scalars(as: Double.self), shape: want.shape, tolerance: tolerance, sourceLocation: sourceLocation)
        let seed = randomTensor(want.shape, seed: 99)
        let gotGradients = TensorKit.gradients(of: got, wrt: inputs, seed: seed)
        let wantGradients = TensorKit.gradients(of: want, wrt: copies, seed: seed)
        for (a, b) in zip(gotGradients, wantGradients) {
            expectClose(a, b.scalars(as: Double.self), shape: b.shape, tolerance: tolerance, sourceLocation: sourceLocation)
        }
    }

    @Test func groupedHeadsEqualRepeatedHeads() {
        let q = randomTensor([2, 6, 5, 4], seed: 1), k = randomTensor([2, 2, 7, 4], seed: 2), v = randomTensor([2, 2, 7, 3], seed: 3)
        let padding = Tensor((0..<14).map { $0 % 5 != 3 }, shape: [2, 7])
        for causal in [false, true] {
            expectSameAttention(q, k, v) {
                Tensor.scaledDotProductAttention($0, $1, $2, causal: causal, causalOffset: 2, mask: padding)
            } reference: {
                Tensor.scaledDotProductAttention($0, repeated($1, group: 3), repeated($2, group: 3),
                                                 mask: causal ? padding.reshape([2, 1, 1, 7]).logicalAnd(causalMask(queries: 5, keys: 7, offset: 2)) : padding)
            }
        }
        expectGradcheck([q.slice(axis: 2, 0..<2), k.slice(axis: 2, 0..<3), v.slice(axis: 2, 0..<3)]) {
            Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: true, causalOffset: 1)
        }
    }

    /// Long enough for several row blocks, with queries that start inside the keys: 150 queries
    /// (a backward run whole up to the last row's limit) and 270 (a blocked backward too).
    @Test(arguments: [(150, 170), (270, 290)])
    func blockedCausalProductsEqualAnExplicitMask(queries: Int, keys: Int) {
        let q = randomTensor([1, 2, queries, 8], seed: 4), k = randomTensor([1, 2, keys, 8], seed: 5)
        let v = randomTensor([1, 2, keys, 8], seed: 6)
        for offset in [0, 20, -10] {
            expectSameAttention(q, k, v) {
                Tensor.scaledDotProductAttention($0, $1, $2, causal: true, causalOffset: offset)
            } reference: {
                Tensor.scaledDotProductAttention($0, $1, $2, mask: causalMask(queries: queries, keys: keys, offset: offset))
            }
        }
        // A negative offset leaves the first queries no key: zero rows, not NaN.
        let first = Tensor.scaledDotProductAttention(q, k, v, causal: true, causalOffset: -10).slice(axis: 2, 0..<10)
        #expect(first.scalars(as: Double.self).allSatisfy { $0 == 0 })
    }

    /// One new position per head (decoding) runs the heads of a group as one product.
    @Test func decodingStepOfGroupedHeads() {
        let q = randomTensor([2, 9, 1, 8], seed: 7), k = randomTensor([2, 3, 12, 8], seed: 8), v = randomTensor([2, 3, 12, 8], seed: 9)
        expectSameAttention(q, k, v) {
            Tensor.scaledDotProductAttention($0, $1, $2, causal: true, causalOffset: 11)
        } reference: {
            Tensor.scaledDotProductAttention($0, repeated($1, group: 3), repeated($2, group: 3))
        }
        // Float32 too, where the product runs in single precision.
        let (q32, k32, v32) = (q.cast(to: .float32), k.cast(to: .float32), v.cast(to: .float32))
        let want = Tensor.scaledDotProductAttention(q, repeated(k, group: 3), repeated(v, group: 3))
        expectClose(Tensor.scaledDotProductAttention(q32, k32, v32, causal: true, causalOffset: 11),
                    want.scalars(as: Double.self), shape: [2, 9, 1, 8], tolerance: 1e-5)
    }

    @Test func keyHeadsMustDivideQueryHeads() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor.scaledDotProductAttention(Tensor.zeros([1, 4, 2, 3]), Tensor.zeros([1, 3, 2, 3]), Tensor.zeros([1, 3, 2, 3]))
        }
    }
}
