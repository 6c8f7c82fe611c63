import Foundation
import Testing
@testable import TensorKit

/// Gradchecks (float64), hand-worked values, float32/float64 agreement, strided inputs, the
/// threaded paths and precondition messages of the fused NN ops.
@Suite struct FusedOpsTests {
    static func ids(_ values: [Int], shape: [Int]? = nil, dtype: DType = .int64) -> Tensor {
        let shape = shape ?? [values.count]
        return dtype == .int32 ? Tensor(values.map { Int32($0) }, shape: shape) : Tensor(values.map { Int64($0) }, shape: shape)
    }

    // MARK: Cross-entropy

    @Test func crossEntropyHandWorked() {
        // p = [1/4, 3/4]; target 1 → −log(3/4); with ε the target is (1−ε)·onehot + ε/2.
        let logits = Tensor([0, Foundation.log(3.0)], shape: [1, 2])
        let target = Self.ids([1])
        expectClose(Tensor.crossEntropy(logits: logits, targets: target), [-Foundation.log(0.75)], tolerance: 1e-12)
        let eps = 0.2
        let smoothed = (1 - eps) * -Foundation.log(0.75) + eps / 2 * (-Foundation.log(0.25) - Foundation.log(0.75))
        expectClose(Tensor.crossEntropy(logits: logits, targets: target, labelSmoothing: eps), [smoothed], tolerance: 1e-12)
        // Ignored rows leave the mean; .none gives 0 there.
        let two = Tensor([0, Foundation.log(3.0), 5, 1], shape: [2, 2])
        let targets = Self.ids([1, -100], dtype: .int32)
        expectClose(Tensor.crossEntropy(logits: two, targets: targets), [-Foundation.log(0.75)], tolerance: 1e-12)
        expectClose(Tensor.crossEntropy(logits: two, targets: targets, reduction: .none),
                    [-Foundation.log(0.75), 0], shape: [2], tolerance: 1e-12)
        // As PyTorch, a mean over no targets is NaN; its gradient is zero, not NaN.
        let x = two.detach().requiringGrad()
        let empty = Tensor.crossEntropy(logits: x, targets: Self.ids([-100, -100]))
        #expect(empty.item().isNaN)
        #expect(gradients(of: empty, wrt: [x])[0].scalars(as: Double.self) == [0, 0, 0, 0])
    }

    @Test func crossEntropyGradcheck() {
        let targets = Self.ids([2, -100, 0, 4, 1, 3])
        for (smoothing, reduction) in [(0.0, LossReduction.mean), (0.1, .mean), (0.3, .sum), (0.2, .none)] {
            expectGradcheck([randomTensor([6, 5], low: -3, high: 3)]) {
                Tensor.crossEntropy(logits: $0[0], targets: targets, labelSmoothing: smoothing, reduction: reduction)
            }
        }
        // [B, T, C] logits with [B, T] targets, and a custom ignore index.
        expectGradcheck([randomTensor([2, 3, 4], seed: 3)]) {
            Tensor.crossEntropy(logits: $0[0], targets: Self.ids([0, 1, 7, 3, 7, 2], shape: [2, 3]), ignoreIndex: 7,
                                labelSmoothing: 0.1)
        }
        // Non-contiguous logits.
        expectGradcheck([randomTensor([5, 4], seed: 4).transposed()]) {
            Tensor.crossEntropy(logits: $0[0], targets: Self.ids([4, 0, 1, 2]), labelSmoothing: 0.05)
        }
    }

    // MARK: Norms

    @Test func normsHandWorked() {
        let s = 1 / (2.0 / 3 + 1e-5).squareRoot()
        expectClose(Tensor.layerNorm(Tensor([1, 2, 3] as [Double], shape: [1, 3])), [-s, 0, s], tolerance: 1e-12)
        let w = Tensor([2, 1, 0.5] as [Double]), b = Tensor([1, 1, 1] as [Double])
        expectClose(Tensor.layerNorm(Tensor([1, 2, 3] as [Double], shape: [1, 3]), weight: w, bias: b),
                    [1 - 2 * s, 1, 1 + 0.5 * s], tolerance: 1e-12)
        let rms = (12.5 + 1e-6).squareRoot()
        expectClose(Tensor.rmsNorm(Tensor([3, 4] as [Double])), [3 / rms, 4 / rms], tolerance: 1e-12)
        expectClose(Tensor.rmsNorm(Tensor([3, 4] as [Float]), weight: Tensor([2, -1] as [Float])),
                    [6 / rms, -4 / rms], tolerance: 1e-6)
    }

    @Test func layerNormGradcheck() {
        let x = randomTensor([4, 5]), w = randomTensor([5], seed: 2, low: 0.5, high: 1.5), b = randomTensor([5], seed: 3)
        expectGradcheck([x, w, b]) { Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2]) }
        expectGradcheck([x, w]) { Tensor.layerNorm($0[0], weight: $0[1], eps: 1e-3) }
        expectGradcheck([x, b]) { Tensor.layerNorm($0[0], bias: $0[1]) }
        expectGradcheck([randomTensor([2, 3, 4], seed: 5)]) { Tensor.layerNorm($0[0]) }
        // Strided input and a strided weight.
        expectGradcheck([randomTensor([5, 4], seed: 6).transposed(), randomTensor([10], seed: 8).slice(axis: 0, 0..<10, step: 2), b]) {
            Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2])
        }
    }

    @Test func rmsNormGradcheck() {
        let x = randomTensor([4, 5]), w = randomTensor([5], seed: 2, low: 0.5, high: 1.5)
        expectGradcheck([x, w]) { Tensor.rmsNorm($0[0], weight: $0[1]) }
        expectGradcheck([randomTensor([2, 3, 4], seed: 5)]) { Tensor.rmsNorm($0[0], eps: 1e-4) }
        expectGradcheck([randomTensor([5, 4], seed: 6).transposed(), randomTensor([10], seed: 8).slice(axis: 0, 0..<10, step: 2)]) {
            Tensor.rmsNorm($0[0], weight: $0[1])
        }
    }

    /// Big enough to run threaded (rows split across cores, weight gradients summed per block):
    /// must equal the same rows computed one at a time.
    @Test func normsThreadedMatchRowByRow() {
        let x = randomTensor([1200, 64], seed: 11), w = randomTensor([64], seed: 12), b = randomTensor([64], seed: 13)
        let seed = randomTensor([1200, 64], seed: 14)
        for isRMS in [false, true] {
            func run(_ x: Tensor) -> [Tensor] {
                let tracked = [x.detach().requiringGrad(), w.detach().requiringGrad(), b.detach().requiringGrad()]
                let y = isRMS ? Tensor.rmsNorm(tracked[0], weight: tracked[1]) + tracked[2]
                    : Tensor.layerNorm(tracked[0], weight: tracked[1], bias: tracked[2])
                return [y] + gradients(of: y, wrt: tracked, seed: seed.slice(axis: 0, 0..<x.shape[0]))
            }
            let whole = run(x)
            var dw = Tensor.zeros([64], dtype: .float64)
            for r in stride(from: 0, to: 1200, by: 300) {
                let part = run(x.slice(axis: 0, r..<(r + 300)))
                let partSeed = seed.slice(axis: 0, r..<(r + 300))
                let tracked = [x.slice(axis: 0, r..<(r + 300)).detach().requiringGrad(), w.detach().requiringGrad()]
                let y = isRMS ? Tensor.rmsNorm(tracked[0], weight: tracked[1]) : Tensor.layerNorm(tracked[0], weight: tracked[1])
                dw = dw + gradients(of: y, wrt: tracked, seed: partSeed)[1]
                expectClose(whole[0].slice(axis: 0, r..<(r + 300)), part[0].scalars(as: Double.self), tolerance: 1e-12)
            }
            expectClose(whole[2], dw.scalars(as: Double.self), tolerance: 1e-10)
            expectClose(whole[3], seed.sum(axes: [0]).scalars(as: Double.self), tolerance: 1e-10)
        }
    }

    /// Enough rows to run threaded: per-row losses and gradients equal those of row slices.
    @Test func crossEntropyThreadedMatchesSlices() {
        let logits = randomTensor([3000, 40], seed: 31, low: -4, high: 4)
        let targets = Self.ids((0..<3000).map { $0 % 17 == 0 ? -100 : ($0 * 11) % 40 })
        let tracked = logits.detach().requiringGrad()
        let whole = Tensor.crossEntropy(logits: tracked, targets: targets, labelSmoothing: 0.1)
        let grad = gradients(of: whole, wrt: [tracked])[0]
        let count = Double((0..<3000).filter { $0 % 17 != 0 }.count)
        var total = 0.0
        for r in stride(from: 0, to: 3000, by: 1000) {
            let part = logits.slice(axis: 0, r..<(r + 1000)).detach().requiringGrad()
            let loss = Tensor.crossEntropy(logits: part, targets: targets.slice(axis: 0, r..<(r + 1000)),
                                           labelSmoothing: 0.1, reduction: .sum)
            total += loss.item()
            let partGrad = gradients(of: loss, wrt: [part])[0] / count
            expectClose(grad.slice(axis: 0, r..<(r + 1000)), partGrad.scalars(as: Double.self), tolerance: 1e-12)
        }
        #expect(Swift.abs(whole.item() - total / count) < 1e-10)
    }

    @Test func float32MatchesFloat64() {
        let x = randomTensor([3, 7], seed: 21), w = randomTensor([7], seed: 22), b = randomTensor([7], seed: 23)
        let x32 = x.cast(to: .float32), w32 = w.cast(to: .float32), b32 = b.cast(to: .float32)
        expectClose(Tensor.layerNorm(x32, weight: w32, bias: b32), Tensor.layerNorm(x, weight: w, bias: b).scalars(as: Double.self), tolerance: 1e-5)
        expectClose(Tensor.rmsNorm(x32, weight: w32), Tensor.rmsNorm(x, weight: w).scalars(as: Double.self), tolerance: 1e-5)
        let t = Self.ids([0, 6, 3])
        expectClose(Tensor.crossEntropy(logits: x32, targets: t, labelSmoothing: 0.1),
                    Tensor.crossEntropy(logits: x, targets: t, labelSmoothing: 0.1).scalars(as: Double.self), tolerance: 1e-5)
        let q = randomTensor([1, 2, 3, 4], seed: 24), k = randomTensor([1, 2, 5, 4], seed: 25), v = randomTensor([1, 2, 5, 2], seed: 26)
        expectClose(Tensor.scaledDotProductAttention(q.cast(to: .float32), k.cast(to: .float32), v.cast(to: .float32), causal: true),
                    Tensor.scaledDotProductAttention(q, k, v, causal: true).scalars(as: Double.self), tolerance: 1e-5)
    }

    // MARK: Embedding

    @Test func embeddingLooksUpAndAccumulates() {
        let weight = Tensor([0, 1, 10, 11, 20, 21] as [Float], shape: [3, 2])
        let out = Tensor.embedding(Self.ids([2, 0, 2, 2], shape: [2, 2], dtype: .int32), weight: weight)
        expectClose(out, [20, 21, 0, 1, 20, 21, 20, 21], shape: [2, 2, 2])
        let tracked = weight.detach().requiringGrad()
        let y = Tensor.embedding(Self.ids([2, 0, 2, 2]), weight: tracked)
        expectClose(gradients(of: y.sum(), wrt: [tracked])[0], [1, 1, 0, 0, 3, 3])
        // Repeated ids, 2-D indices, strided weight.
        expectGradcheck([randomTensor([5, 3])]) { Tensor.embedding(Self.ids([1, 3, 1, 4, 1, 0], shape: [2, 3]), weight: $0[0]) }
        expectGradcheck([randomTensor([3, 5], seed: 2).transposed()]) { Tensor.embedding(Self.ids([4, 4, 0], dtype: .int32), weight: $0[0]) }
        // Threaded scatter (columns split across cores) equals the serial sum.
        let many = (0..<10_000).map { ($0 * 7) % 13 }
        let table = randomTensor([13, 16], seed: 5).requiringGrad()
        let big = gradients(of: Tensor.embedding(Self.ids(many), weight: table).sum(), wrt: [table])[0]
        var expected = [Double](repeating: 0, count: 13 * 16)
        for id in many { for j in 0..<16 { expected[id * 16 + j] += 1 } }
        expectClose(big, expected, tolerance: 1e-12)
    }

    // MARK: Dropout

    @Test func dropoutStatisticsAndMaskReuse() {
        let x = Tensor.ones([20_000], dtype: .float64)
        #expect(Tensor.dropout(x, probability: 0.3, training: false) === x)
        #expect(Tensor.dropout(x, probability: 0) === x)
        let y = Tensor.dropout(x, probability: 0.3, generator: Generator(seed: 9)).scalars(as: Double.self)
        let kept = y.filter { $0 != 0 }
        #expect(kept.allSatisfy { Swift.abs($0 - 1 / 0.7) < 1e-12 })
        let rate = Double(y.count - kept.count) / Double(y.count)
        #expect(Swift.abs(rate - 0.3) < 0.015, "drop rate \(rate)")
        let mean = y.reduce(0, +) / Double(y.count)
        #expect(Swift.abs(mean - 1) < 0.03, "mean \(mean)")
        // Same seed, same mask; float32 uses the same stream.
        let again = Tensor.dropout(x.cast(to: .float32), probability: 0.3, generator: Generator(seed: 9)).scalars(as: Double.self)
        #expect(zip(y, again).allSatisfy { ($0 == 0) == ($1 == 0) })
        // The backward multiplies by the forward's mask.
        let input = randomTensor([40, 30], seed: 3).requiringGrad()
        let out = Tensor.dropout(input, probability: 0.5, generator: Generator(seed: 4))
        let upstream = randomTensor([40, 30], seed: 5)
        let grad = gradients(of: out, wrt: [input], seed: upstream)[0].scalars(as: Double.self)
        for (i, (o, (xv, g))) in zip(out.scalars(as: Double.self), zip(input.scalars(as: Double.self), upstream.scalars(as: Double.self))).enumerated() {
            let expected = o == 0 ? 0 : g * 2
            #expect(Swift.abs(grad[i] - expected) < 1e-12 && (o == 0 || Swift.abs(o - 2 * xv) < 1e-12))
        }
        #expect(Tensor.dropout(x, probability: 1).scalars(as: Double.self).allSatisfy { $0 == 0 })
        // A fixed generator per call gives a deterministic function, which gradcheck can test.
        expectGradcheck([randomTensor([6, 4], seed: 6).transposed()]) {
            Tensor.dropout($0[0], probability: 0.4, generator: Generator(seed: 17))
        }
    }

    // MARK: Attention

    @Test func attentionHandWorked() {
        // Identical keys give uniform weights: every query gets the mean of the values.
        let q = randomTensor([1, 1, 2, 3]), k = Tensor.ones([1, 1, 4, 3], dtype: .float64)
        let v = Tensor([1, 2, 3, 4, 5, 6, 7, 8] as [Double], shape: [1, 1, 4, 2])
        expectClose(Tensor.scaledDotProductAttention(q, k, v), [4, 5, 4, 5], shape: [1, 1, 2, 2], tolerance: 1e-12)
        // Causal: query 0 sees key 0 only; query 1 sees keys 0 and 1.
        expectClose(Tensor.scaledDotProductAttention(q, k, v, causal: true), [1, 2, 2, 3], tolerance: 1e-12)
        // Key padding: batch 0 attends to keys 2 and 3 only; batch 1 to nothing (zeros, not NaN).
        let q2 = randomTensor([2, 1, 2, 3]), k2 = Tensor.ones([2, 1, 4, 3], dtype: .float64)
        let v2 = Tensor.concatenatedForTest([v, v])
        let padding = Tensor([false, false, true, true, false, false, false, false], shape: [2, 4])
        expectClose(Tensor.scaledDotProductAttention(q2, k2, v2, mask: padding), [6, 7, 6, 7, 0, 0, 0, 0], tolerance: 1e-12)
        // Causal and padding together leave query 0 of batch 0 with no key.
        expectClose(Tensor.scaledDotProductAttention(q2, k2, v2, causal: true, mask: padding).slice(axis: 0, 0..<1),
                    [0, 0, 0, 0], tolerance: 1e-12)
    }

    @Test func attentionGradcheck() {
        let q = randomTensor([2, 2, 3, 4], seed: 1), k = randomTensor([2, 2, 5, 4], seed: 2), v = randomTensor([2, 2, 5, 3], seed: 3)
        expectGradcheck([q, k, v]) { Tensor.scaledDotProductAttention($0[0], $0[1], $0[2]) }
        expectGradcheck([q, k, v]) { Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: true, scale: 0.8) }
        let padding = Tensor([true, true, false, true, false, false, false, true, true, false], shape: [2, 5])
        expectGradcheck([q, k, v]) { Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], mask: padding) }
        // Rows with no key left (batch 1, query 0) must have zero gradients, which gradcheck sees.
        expectGradcheck([q, k, v]) { Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: true, mask: padding) }
        let additive = randomTensor([2, 1, 5], seed: 4, low: -2, high: 0)  // rank 3: [H, 1, Lk]
        expectGradcheck([q, k, v]) { Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], mask: additive) }
        let boolMask = Tensor((0..<15).map { $0 % 4 != 1 }, shape: [1, 1, 3, 5])
        expectGradcheck([q, k, v]) { Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], mask: boolMask) }
        // The usual layout: projections [B, L, H, D] viewed as [B, H, L, D] (non-contiguous).
        let qs = randomTensor([2, 3, 2, 4], seed: 5).permute(0, 2, 1, 3)
        let ks = randomTensor([2, 3, 2, 4], seed: 6).permute(0, 2, 1, 3)
        let vs = randomTensor([2, 3, 2, 2], seed: 7).permute(0, 2, 1, 3)
        expectGradcheck([qs, ks, vs]) { Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: true) }
    }

    /// Enough rows to run the softmax threaded: must equal one (batch, head) at a time.
    @Test func attentionThreadedMatchesPerHead() {
        let q = randomTensor([2, 4, 128, 8], seed: 1), k = randomTensor([2, 4, 128, 8], seed: 2), v = randomTensor([2, 4, 128, 8], seed: 3)
        let whole = Tensor.scaledDotProductAttention(q, k, v, causal: true)
        for b in 0..<2 {
            for h in [0, 3] {
                func pick(_ t: Tensor) -> Tensor { t.slice(axis: 0, b..<(b + 1)).slice(axis: 1, h..<(h + 1)) }
                let single = Tensor.scaledDotProductAttention(pick(q), pick(k), pick(v), causal: true)
                expectClose(pick(whole), single.scalars(as: Double.self), tolerance: 1e-12)
            }
        }
    }

    /// The polynomial float exp used by the softmax kernels, against the C library.
    @Test func fusedExpIsAccurate() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let exact = Foundation.exp(Double(x))
            worst = Swift.max(worst, Float(Swift.abs(Double(Float.exponential(x)) - exact) / exact))
            x += 0.0137
        }
        #expect(worst < 4e-7, "worst relative error \(worst)")
        #expect(Float.exponential(-.infinity) == 0 && Float.exponential(-110) == 0 && Float.exponential(0) == 1)
        #expect(Float.exponential(100) == .infinity && Float.exponential(.nan).isNaN)
    }

    // MARK: Preconditions

    @Test func preconditionsNameTheOp() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor.crossEntropy(logits: Tensor.zeros([2, 3]), targets: Tensor([0, 3] as [Int64]))
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor.layerNorm(Tensor.zeros([2, 3]), weight: Tensor.zeros([4]))
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor.scaledDotProductAttention(Tensor.zeros([1, 1, 2, 4]), Tensor.zeros([1, 1, 2, 3]), Tensor.zeros([1, 1, 2, 3]))
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor.embedding(Tensor([5] as [Int32]), weight: Tensor.zeros([5, 2]))
        }
    }
}

fileprivate extension Tensor {
    /// Stacks same-shaped tensors along axis 0 (test helper; the library's concatenation lives elsewhere).
    static func concatenatedForTest(_ parts: [Tensor]) -> Tensor {
        let values = parts.flatMap { $0.scalars(as: Double.self) }
        var shape = parts[0].shape
        shape[0] *= parts.count
        return Tensor(values, shape: shape)
    }
}
