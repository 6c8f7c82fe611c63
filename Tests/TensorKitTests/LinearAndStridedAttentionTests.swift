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

@Suite(.serialized) struct MemoryTests {
    @Test func countsActiveBytesAndPeak() {
        let before = Memory.activeBytes
        Memory.resetPeak()
        do {
            let t = Tensor.zeros([1024, 256])
            #expect(Memory.activeBytes - before >= t.count * 4)
            #expect(Memory.peakActiveBytes - before >= t.count * 4)
        }
        #expect(Memory.peakActiveBytes >= Memory.activeBytes)
    }

    @Test func limitZeroEmptiesTheCache() {
        let saved = Memory.cacheLimit
        defer { Memory.cacheLimit = saved }
        Memory.cacheLimit = 64 << 20
        do { _ = Tensor.zeros([512, 512]) }   // 1 MiB, freed into the cache
        #expect(Memory.cachedBytes >= 1 << 20)
        Memory.cacheLimit = 0
        #expect(Memory.cachedBytes == 0)
        do { _ = Tensor.zeros([512, 512]) }
        #expect(Memory.cachedBytes == 0)
    }
}

@Suite(.serialized) struct ThreadsTests {
    @Test func kernelThreadsChangeTheSplitNotTheResult() {
        let saved = Threads.kernelThreads
        defer { Threads.kernelThreads = saved }
        let x = randomTensor([512, 300], seed: 9)
        let many = (x.exp() * x).sum(axes: [1]).scalars(as: Double.self)
        Threads.kernelThreads = 1
        #expect(Threads.kernelThreads == 1)
        expectClose((x.exp() * x).sum(axes: [1]), many, tolerance: 1e-12)
        Threads.kernelThreads = 0
        #expect(Threads.kernelThreads == 1, "clamped to at least one")
    }

    @Test func blasThreadsWhereOpenBLASIsLinked() {
        // OpenBLAS (the Makefile's choice) has the setting; another BLAS reports nil and false.
        guard let before = Threads.blasThreads else {
            #expect(!Threads.setBLASThreads(1))
            return
        }
        #expect(Threads.setBLASThreads(1))
        #expect(Threads.blasThreads == 1)
        Threads.setBLASThreads(before)
        #expect(Threads.blasThreads == before)
    }
}
