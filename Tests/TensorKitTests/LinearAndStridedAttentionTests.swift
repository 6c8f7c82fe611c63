import Testing
@testable import TensorKit

/// `Tensor.linear` (bias inside the GEMM) against matmul + add, and attention reading strided
/// `[B, L, H, D]` views in place.
@Suite struct LinearOpTests {
    @Test func matchesMatmulPlusBias() {
        let x = randomTensor([2, 3, 5], seed: 1), w = randomTensor([4, 5], seed: 2), b = randomTensor([4], seed: 3)
        let expected = (x.matmul(w.transposed()) + b).scalars(as: Double.self)
        expectClose(Tensor.linear(x, weight: w, bias: b), expected, shape: [2, 3, 4], tolerance: 1e-12)
        expectClose(Tensor.linear(x, weight: w), x.matmul(w.transposed()).scalars(as: Double.self),
                    shape: [2, 3, 4], tolerance: 1e-12)
        // float32, a vector input, a transposed (non-contiguous) input and weight.
        let x32 = x.cast(to: .float32), w32 = w.cast(to: .float32), b32 = b.cast(to: .float32)
        expectClose(Tensor.linear(x32, weight: w32, bias: b32), expected, tolerance: 1e-5)
        expectClose(Tensor.linear(x.select(axis: 0, index: 0).select(axis: 0, index: 1), weight: w, bias: b),
                    Array(expected[4..<8]), shape: [4], tolerance: 1e-12)
        let xt = randomTensor([5, 6], seed: 4).transposed(), wt = randomTensor([5, 4], seed: 5).transposed()
        expectClose(Tensor.linear(xt, weight: wt, bias: b),
                    (xt.matmul(wt.transposed()) + b).scalars(as: Double.self), shape: [6, 4], tolerance: 1e-12)
    }

    @Test func gradientsMatchGradcheck() {
        expectGradcheck([randomTensor([2, 3, 5], seed: 1), randomTensor([4, 5], seed: 2), randomTensor([4], seed: 3)]) {
            Tensor.linear($0[0], weight: $0[1], bias: $0[2]).tanh()
        }
        expectGradcheck([randomTensor([5, 6], seed: 4).transposed(), randomTensor([5, 4], seed: 5).transposed()]) {
            Tensor.linear($0[0], weight: $0[1]).tanh()
        }
    }

    @Test func emptyInnerAxisGivesTheBias() {
        let y = Tensor.linear(Tensor.zeros([3, 0], dtype: .float64), weight: Tensor.zeros([2, 0], dtype: .float64),
                              bias: Tensor([1.0, 2.0], shape: [2]))
        expectClose(y, [1, 2, 1, 2, 1, 2], shape: [3, 2])
    }

    @Test func mismatchedShapesStop() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor.linear(Tensor.zeros([2, 3]), weight: Tensor.zeros([4, 5]))
        }
    }
}

@Suite struct StridedAttentionTests {
    /// q, k, v as the `[B, L, H, D] → [B, H, L, D]` views a multi-head layer makes.
    private func headViews(seed: UInt64, batch: Int = 2, length: Int = 5, heads: Int = 3, depth: Int = 4) -> Tensor {
        randomTensor([batch, length, heads * depth], seed: seed).reshape([batch, length, heads, depth]).permute(0, 2, 1, 3)
    }

    @Test func stridedInputsMatchContiguousOnes() {
        let (q, k, v) = (headViews(seed: 1), headViews(seed: 2), headViews(seed: 3))
        #expect(!q.isContiguous)
        for causal in [false, true] {
            let strided = Tensor.scaledDotProductAttention(q, k, v, causal: causal)
            let copied = Tensor.scaledDotProductAttention(q.contiguous(), k.contiguous(), v.contiguous(), causal: causal)
            expectClose(strided, copied.scalars(as: Double.self), shape: [2, 3, 5, 4], tolerance: 1e-12)
            // The output keeps the [B, L, H, D] memory order, so permuting back is contiguous.
            #expect(strided.permute(0, 2, 1, 3).isContiguous)
        }
    }

    @Test func stridedGradientsMatchGradcheck() {
        expectGradcheck([randomTensor([2, 5, 6], seed: 1), randomTensor([2, 5, 6], seed: 2), randomTensor([2, 5, 6], seed: 3)]) { t in
            let views = t.map { $0.reshape([2, 5, 2, 3]).permute(0, 2, 1, 3) }
            return Tensor.scaledDotProductAttention(views[0], views[1], views[2], causal: true)
                .permute(0, 2, 1, 3).reshape([2, 5, 6]).tanh()
        }
    }

    @Test func gradientsThroughViewsMatchContiguousInputs() {
        let bases = (1...3).map { randomTensor([2, 5, 12], seed: UInt64($0)).requiringGrad() }
        let views = bases.map { $0.reshape([2, 5, 3, 4]).permute(0, 2, 1, 3) }
        Tensor.scaledDotProductAttention(views[0], views[1], views[2], causal: true).tanh().sum().backward()
        let copies = views.map { $0.detach().contiguous().requiringGrad() }
        Tensor.scaledDotProductAttention(copies[0], copies[1], copies[2], causal: true).tanh().sum().backward()
        for (base, copy) in zip(bases, copies) {
            let expected = copy.grad!.permute(0, 2, 1, 3).reshape([2, 5, 12]).scalars(as: Double.self)
            expectClose(base.grad!, expected, shape: [2, 5, 12], tolerance: 1e-12)
        }
    }
}

/// Memory counts are process-wide and other suites run in parallel, so the exact checks run in a
/// child process of their own (exit tests).
@Suite struct MemoryTests {
    @Test func countsActiveBytesAndPeak() async {
        await #expect(processExitsWith: .success) {
            let before = Memory.activeBytes
            Memory.resetPeak()
            do {
                let t = Tensor.zeros([1024, 256])
                precondition(Memory.activeBytes - before == t.count * 4, "active bytes count the tensor")
            }
            precondition(Memory.activeBytes == before, "and drop when it goes")
            precondition(Memory.peakActiveBytes - before == 1024 * 256 * 4, "the peak remembers it")
        }
    }

    @Test func cacheKeepsFreedBlocksUpToItsLimit() async {
        await #expect(processExitsWith: .success) {
            Memory.cacheLimit = 64 << 20
            do { _ = Tensor.zeros([512, 512]) }   // 1 MiB, freed into the cache
            precondition(Memory.cachedBytes >= 1 << 20, "the freed block is kept")
            do { _ = Tensor.zeros([512, 512]) }   // reuses it
            precondition(Memory.cachedBytes >= 1 << 20)
            Memory.clearCache()
            precondition(Memory.cachedBytes == 0, "clearCache hands everything back")
            Memory.cacheLimit = 0
            do { _ = Tensor.zeros([512, 512]) }
            precondition(Memory.cachedBytes == 0, "limit 0: nothing is kept")
        }
    }
}

/// Thread counts are process-wide, so these run in a child process of their own (exit tests).
@Suite struct ThreadsTests {
    @Test func kernelThreadsChangeTheSplitNotTheResult() async {
        await #expect(processExitsWith: .success) {
            let x = Tensor.uniform([512, 300], low: -1, high: 1, dtype: .float64, generator: Generator(seed: 9))
            let many = (x.exp() * x).sum(axes: [1]).scalars(as: Double.self)
            Threads.kernelThreads = 4
            precondition(RowBlocks.count(rows: 1000, costPerRow: 1 << 20) == 4, "a large row loop splits over 4 threads")
            Threads.kernelThreads = 1
            precondition(RowBlocks.count(rows: 1000, costPerRow: 1 << 20) == 1, "and over one when told so")
            precondition((x.exp() * x).sum(axes: [1]).scalars(as: Double.self) == many, "same sums on one thread")
            Threads.kernelThreads = 0
            precondition(Threads.kernelThreads == 1, "clamped to at least one")
        }
    }

    /// Products cut into row or column blocks (plain and transposed operands) give what one
    /// call gives.
    @Test func splitProductsMatchWholeOnes() async {
        await #expect(processExitsWith: .success) {
            guard Threads.blasThreads != nil else { return }
            let shapes = [(m: 203, k: 64, n: 37), (m: 20, k: 50, n: 333), (m: 64, k: 1, n: 4096)]
            for (m, k, n) in shapes {
                for dtype in [DType.float64, .float32] {
                    let a = Tensor.uniform([m, k], low: -1, high: 1, dtype: dtype, generator: Generator(seed: 1))
                    let b = Tensor.uniform([k, n], low: -1, high: 1, dtype: dtype, generator: Generator(seed: 2))
                    let at = a.transposed().contiguous().transposed(), bt = b.transposed().contiguous().transposed()
                    Threads.setBLASThreads(1)
                    let whole = [a.matmul(b), at.matmul(bt), a.matmul(bt)].map { $0.scalars(as: Double.self) }
                    Threads.setBLASThreads(3)
                    let split = [a.matmul(b), at.matmul(bt), a.matmul(bt)].map { $0.scalars(as: Double.self) }
                    let tolerance = dtype == .float64 ? 1e-12 : 1e-5
                    for (x, y) in zip(whole, split) {
                        precondition(zip(x, y).allSatisfy { abs($0 - $1) <= tolerance }, "split \(m)×\(k)×\(n) \(dtype) differs")
                    }
                }
            }
        }
    }

    @Test func blasThreadsWhereOpenBLASIsLinked() async {
        await #expect(processExitsWith: .success) {
            // OpenBLAS (the Makefile's choice) has the setting; another BLAS reports nil and false.
            guard let before = Threads.blasThreads else {
                precondition(!Threads.setBLASThreads(1))
                return
            }
            precondition(Threads.setBLASThreads(1) && Threads.blasThreads == 1)
            Threads.setBLASThreads(before)
            precondition(Threads.blasThreads == before)
        }
    }
}

/// Attention-probability dropout inside the fused kernel, against the same computation spelled out
/// with core ops and the same mask.
@Suite struct AttentionDropoutTests {
    private func reference(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool, dropout: Double, seed: UInt64) -> Tensor {
        var scores = q.matmul(k.transposed(-2, -1)) * (1 / Double(q.shape[3]).squareRoot())
        if causal {
            let (lq, lk) = (q.shape[2], k.shape[2])
            let above = Tensor((0..<(lq * lk)).map { $0 % lk > $0 / lk }, shape: [lq, lk])
            scores = scores.maskedFill(above, value: -.infinity)
        }
        let mask = Tensor.dropoutMask(shape: scores.shape, dtype: q.dtype, probability: dropout,
                                      generator: Generator(seed: seed))
        return (scores.softmax() * mask).matmul(v)
    }

    @Test func matchesSoftmaxTimesMaskTimesValues() {
        let (q, k, v) = (randomTensor([2, 3, 5, 4], seed: 1), randomTensor([2, 3, 5, 4], seed: 2), randomTensor([2, 3, 5, 4], seed: 3))
        for causal in [false, true] {
            let fused = Tensor.scaledDotProductAttention(q, k, v, causal: causal, dropout: 0.3, generator: Generator(seed: 11))
            expectClose(fused, reference(q, k, v, causal: causal, dropout: 0.3, seed: 11).scalars(as: Double.self),
                        shape: [2, 3, 5, 4], tolerance: 1e-12)
        }
        // Something was dropped: the output differs from attention without dropout.
        let plain = Tensor.scaledDotProductAttention(q, k, v).scalars(as: Double.self)
        let dropped = Tensor.scaledDotProductAttention(q, k, v, dropout: 0.3, generator: Generator(seed: 11)).scalars(as: Double.self)
        #expect(zip(plain, dropped).contains { Swift.abs($0 - $1) > 1e-6 })
    }

    @Test func gradientsMatchTheSpelledOutComputation() {
        let inputs = [randomTensor([1, 2, 6, 3], seed: 4), randomTensor([1, 2, 6, 3], seed: 5), randomTensor([1, 2, 6, 3], seed: 6)]
        expectGradcheck(inputs) {
            Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: true, dropout: 0.25, generator: Generator(seed: 3)).tanh()
        }
        let fused = inputs.map { $0.detach().requiringGrad() }
        Tensor.scaledDotProductAttention(fused[0], fused[1], fused[2], causal: true, dropout: 0.25, generator: Generator(seed: 3))
            .tanh().sum().backward()
        let spelled = inputs.map { $0.detach().requiringGrad() }
        reference(spelled[0], spelled[1], spelled[2], causal: true, dropout: 0.25, seed: 3).tanh().sum().backward()
        for (a, b) in zip(fused, spelled) { expectClose(a.grad!, b.grad!.scalars(as: Double.self), tolerance: 1e-12) }
    }

    @Test func drawsFromTheGivenGenerator() {
        let q = randomTensor([1, 1, 4, 2], seed: 7)
        let generator = Generator(seed: 9)
        let before = generator.stateWords
        _ = Tensor.scaledDotProductAttention(q, q, q, dropout: 0.5, generator: generator)
        #expect(generator.stateWords != before, "the mask is drawn from the caller's generator")
        let untouched = Generator(seed: 9)
        _ = Tensor.scaledDotProductAttention(q, q, q, generator: untouched)
        #expect(untouched.stateWords == before, "no dropout, no draws")
    }
}
