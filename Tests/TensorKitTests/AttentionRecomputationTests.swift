import Testing
@testable import TensorKit

/// The fused attention keeps only each query row's log-sum-exp between forward and backward and
/// rebuilds the probabilities from a second `q·kᵀ`: nothing of the scores' size outlives the
/// forward, and the gradients stay right where that rebuild is delicate (rows with nothing to
/// attend to, causal limits that start inside the keys, additive masks, dropout, float32).
@Suite struct AttentionRecomputationTests {
    /// Memory counts are process-wide and other suites run in parallel, so the exact counts run
    /// in a child process of their own (an exit test).
    @Test func forwardKeepsNothingOfTheScoresSize() async {
        await #expect(processExitsWith: .success) {
            let (batch, heads, length, depth) = (1, 2, 256, 8)
            let scoreBytes = batch * heads * length * length * 8
            let padding = Tensor((0..<(batch * length)).map { $0 % 7 != 3 }, shape: [batch, length])
            for (causal, mask, dropout) in [(false, nil, 0.0), (true, padding, 0.0), (true, nil, 0.2)] as [(Bool, Tensor?, Double)] {
                let inputs = (1...3).map { randomTensor([batch, heads, length, depth], seed: UInt64($0)).requiringGrad() }
                let before = Memory.activeBytes
                let out = Tensor.scaledDotProductAttention(inputs[0], inputs[1], inputs[2], causal: causal, mask: mask,
                                                           dropout: dropout, generator: Generator(seed: 5))
                // The output and one log-sum-exp per query row; the probabilities would be 1 MiB.
                let held = Memory.activeBytes - before
                precondition(held <= out.count * 8 + batch * heads * length * 8,
                             "the forward kept \(held) bytes (scores are \(scoreBytes)); causal \(causal), dropout \(dropout)")
                // The backward rebuilds the probabilities beside its scratch: two score buffers
                // (and the redrawn dropout mask) at once, on top of output-sized gradients.
                Memory.resetPeak()
                let start = Memory.activeBytes
                out.sum().backward()
                let extra = Memory.peakActiveBytes - start - 8 * out.count * 8
                precondition(extra <= (dropout > 0 ? 3 : 2) * scoreBytes,
                             "the backward took \(extra) bytes beyond its gradients (scores are \(scoreBytes))")
                precondition(inputs.allSatisfy { $0.grad != nil })
            }
        }
    }

    /// A query with every key masked (by a bool mask, by an additive one, or by a causal limit
    /// that starts before the keys) keeps a zero output and exactly zero gradients.
    @Test func fullyMaskedRowsStayZero() {
        let q = randomTensor([1, 2, 4, 3], seed: 1), k = randomTensor([1, 2, 5, 3], seed: 2), v = randomTensor([1, 2, 5, 3], seed: 3)
        // Row 1 of every head attends to nothing.
        let allowed = Tensor((0..<20).map { $0 / 5 != 1 && $0 % 5 != 4 }, shape: [1, 4, 5])
        let additive = Tensor((0..<20).map { $0 / 5 == 1 ? -Double.infinity : Double($0 % 3) * 0.25 }, shape: [1, 4, 5])
        let cases: [(mask: Tensor?, offset: Int, emptyRows: [Int])] = [(allowed, 0, [1]), (additive, 0, [1]), (nil, -2, [0, 1])]
        for (mask, offset, emptyRows) in cases {
            let inputs = [q, k, v].map { $0.detach().requiringGrad() }
            let out = Tensor.scaledDotProductAttention(inputs[0], inputs[1], inputs[2], causal: offset != 0,
                                                       causalOffset: offset, mask: mask)
            (out * randomTensor(out.shape, seed: 4)).sum().backward()
            for head in 0..<2 {
                for row in emptyRows {
                    let outRow = out.select(axis: 1, index: head).select(axis: 1, index: row)
                    let gradientRow = inputs[0].grad!.select(axis: 1, index: head).select(axis: 1, index: row)
                    #expect(outRow.scalars(as: Double.self).allSatisfy { $0 == 0 })
                    #expect(gradientRow.scalars(as: Double.self).allSatisfy { $0 == 0 })
                }
            }
            #expect(inputs.allSatisfy { $0.grad!.scalars(as: Double.self).allSatisfy(\.isFinite) })
            expectGradcheck([q, k, v]) {
                Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: offset != 0, causalOffset: offset, mask: mask).tanh()
            }
        }
    }

    /// Causal limits that start inside the keys (a KV cache) and grouped key/value heads, over
    /// more rows than one causal block.
    @Test func causalOffsetAndGroupedHeadsGradients() {
        expectGradcheck([randomTensor([1, 4, 3, 2], seed: 5), randomTensor([1, 2, 6, 2], seed: 6), randomTensor([1, 2, 6, 3], seed: 7)]) {
            Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: true, causalOffset: 3).tanh()
        }
        expectGradcheck([randomTensor([1, 1, 70, 2], seed: 8), randomTensor([1, 1, 75, 2], seed: 9), randomTensor([1, 1, 75, 2], seed: 10)]) {
            Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: true, causalOffset: 5).tanh()
        }
    }

    /// Float32 rebuilds the probabilities from a float32 log-sum-exp: its gradients stay within
    /// float rounding of float64's, with masks, causal offsets, grouped heads and dropout.
    @Test func float32GradientsMatchFloat64() {
        let shapes = ([2, 6, 70, 8], [2, 2, 80, 8], [2, 2, 80, 4])
        let padding = Tensor((0..<160).map { $0 % 9 != 2 }, shape: [2, 80])
        for (causal, offset, mask, dropout) in [(true, 10, padding, 0.0), (false, 0, nil, 0.3), (true, 0, nil, 0.0)] as [(Bool, Int, Tensor?, Double)] {
            func gradients(_ dtype: DType) -> [[Double]] {
                let inputs = [randomTensor(shapes.0, seed: 11), randomTensor(shapes.1, seed: 12), randomTensor(shapes.2, seed: 13)]
                    .map { $0.cast(to: dtype).requiringGrad() }
                let out = Tensor.scaledDotProductAttention(inputs[0], inputs[1], inputs[2], causal: causal, causalOffset: offset,
                                                           mask: mask, dropout: dropout, generator: Generator(seed: 14))
                (out * randomTensor(out.shape, seed: 15).cast(to: dtype)).sum().backward()
                return inputs.map { $0.grad!.scalars(as: Double.self) }
            }
            for (single, double) in zip(gradients(.float32), gradients(.float64)) {
                let worst = zip(single, double).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0
                #expect(worst < 1e-5, "float32 gradient off by \(worst) (causal \(causal), offset \(offset), dropout \(dropout))")
            }
        }
    }
}
