import Foundation
import Testing
@testable import TensorKit

/// `scaledDotProductAttention(packed:heads:sequenceLengths:)` against the packed op run sequence
/// by sequence, and against one padded, masked batch.
@Suite struct VariableLengthAttentionTests {
    let heads = 3, depth = 4
    let lengths = [3, 1, 5, 2]
    var width: Int { 3 * heads * depth }
    var tokens: Int { lengths.reduce(0, +) }

    /// The reference: each sequence alone through the packed op, `[L, H·D]` rows concatenated.
    func separately(_ qkv: Tensor, causal: Bool, dropout: Double = 0, generator: Generator? = nil) -> Tensor {
        var start = 0
        let rows = lengths.map { length -> Tensor in
            defer { start += length }
            let one = qkv.slice(axis: 0, start..<(start + length)).unsqueezed(axis: 0)
            let attended = Tensor.scaledDotProductAttention(packed: one, heads: heads, causal: causal,
                                                            dropout: dropout, generator: generator)
            return attended.permute(0, 2, 1, 3).reshape([length, heads * depth])
        }
        return Tensor.concat(rows, axis: 0)
    }

    @Test(arguments: [false, true])
    func matchesEachSequenceAlone(causal: Bool) {
        let qkv = randomTensor([tokens, width], seed: 3)
        let packed = Tensor.scaledDotProductAttention(packed: qkv, heads: heads, sequenceLengths: lengths, causal: causal)
        let expected = separately(qkv, causal: causal)
        expectClose(packed, expected.scalars(as: Double.self), shape: [tokens, heads * depth], tolerance: 1e-12)
    }

    /// The rows of a padded batch with a key-padding mask are the packed rows.
    @Test func matchesAPaddedMaskedBatch() {
        let qkv = randomTensor([tokens, width], seed: 4)
        let longest = lengths.max()!
        var padded = [Tensor](), mask = [Bool]()
        var start = 0
        for length in lengths {
            let rows = qkv.slice(axis: 0, start..<(start + length))
            padded.append(Tensor.concat([rows, randomTensor([longest - length, width], seed: UInt64(length))].filter { $0.shape[0] > 0 }
                                        , axis: 0))
            mask += (0..<longest).map { $0 < length }
            start += length
        }
        let batch = Tensor.stack(padded)
        let attended = Tensor.scaledDotProductAttention(packed: batch, heads: heads,
                                                        mask: Tensor(mask, shape: [lengths.count, longest]))
            .permute(0, 2, 1, 3).reshape([lengths.count, longest, heads * depth])
        let real = Tensor.concat(lengths.enumerated().map { attended.select(axis: 0, index: $0.offset).slice(axis: 0, 0..<$0.element) },
                                 axis: 0)
        let packed = Tensor.scaledDotProductAttention(packed: qkv, heads: heads, sequenceLengths: lengths)
        expectClose(packed, real.scalars(as: Double.self), shape: [tokens, heads * depth], tolerance: 1e-12)
    }

    @Test(arguments: [false, true])
    func gradcheck(causal: Bool) {
        expectGradcheck([randomTensor([5, 3 * 2 * 2], seed: 5)]) {
            Tensor.scaledDotProductAttention(packed: $0[0], heads: 2, sequenceLengths: [2, 3], causal: causal).tanh()
        }
    }

    /// Gradients (through a strided input, which the op copies) and the dropout draws equal the
    /// sequence-by-sequence reference's, the masks drawn in the same order from the same generator.
    @Test(arguments: [0.0, 0.4])
    func gradientsAndDropoutMatchEachSequenceAlone(dropout: Double) {
        let source = randomTensor([width, tokens], seed: 6).requiringGrad()
        let upstream = randomTensor([tokens, heads * depth], seed: 7)
        let packed = Tensor.scaledDotProductAttention(packed: source.transposed(), heads: heads, sequenceLengths: lengths,
                                                      causal: true, dropout: dropout, generator: Generator(seed: 9))
        let expected = separately(source.transposed(), causal: true, dropout: dropout, generator: Generator(seed: 9))
        expectClose(packed, expected.scalars(as: Double.self), shape: expected.shape, tolerance: 1e-12)
        let got = gradients(of: packed, wrt: [source], seed: upstream)[0]
        let want = gradients(of: expected, wrt: [source], seed: upstream)[0]
        expectClose(got, want.scalars(as: Double.self), shape: want.shape, tolerance: 1e-12)
        if dropout > 0 {
            let undropped = Tensor.scaledDotProductAttention(packed: source.transposed(), heads: heads, sequenceLengths: lengths,
                                                             causal: true)
            #expect(maxDifference(packed, undropped) > 1e-3)
        }
    }

    /// Float32 runs the same kernels as float64, within float32 rounding.
    @Test func float32AgreesWithFloat64() {
        let qkv = randomTensor([tokens, width], seed: 8)
        let wide = Tensor.scaledDotProductAttention(packed: qkv, heads: heads, sequenceLengths: lengths)
        let narrow = Tensor.scaledDotProductAttention(packed: qkv.cast(to: .float32), heads: heads, sequenceLengths: lengths)
        expectClose(narrow.cast(to: .float64), wide.scalars(as: Double.self), shape: wide.shape, tolerance: 1e-5)
    }

    @Test func lengthsThatDoNotCoverTheRowsStopWithAMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.scaledDotProductAttention(packed: Tensor.zeros([5, 12]), heads: 2, sequenceLengths: [2, 2])
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("scaledDotProductAttention(packed:sequenceLengths:): sequence lengths [2, 2] must be positive and sum to the 5 tokens"),
                "\(stderr)")
    }

    private func maxDifference(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.scalars(as: Double.self), b.scalars(as: Double.self)).map { abs($0 - $1) }.max() ?? 0
    }
}
