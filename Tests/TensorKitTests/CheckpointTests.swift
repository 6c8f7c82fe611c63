import Testing
@testable import TensorKit

/// Activation checkpointing gives the same gradients as running the block normally, for its
/// inputs and for parameters the block captures.
@Suite struct CheckpointTests {
    /// A small block with captured parameters: layer norm, a weight product, dropout from the
    /// default generator, attention-free residual.
    static func block(_ x: Tensor, weight: Tensor, gain: Tensor, bias: Tensor) -> Tensor {
        let h = Tensor.layerNorm(x, weight: gain, bias: bias)
        let mixed = (h * weight).sum(axes: [1], keepDims: true) * h
        let dropped = Tensor.dropout(mixed, probability: 0.25)
        return x + dropped
    }

    static func parameters() -> [Tensor] {
        [randomTensor([1, 6], seed: 2).requiringGrad(), randomTensor([6], seed: 3, low: 0.5, high: 1.5).requiringGrad(),
         randomTensor([6], seed: 4).requiringGrad()]
    }

    @Test func gradientsMatchWithoutCheckpointing() {
        let x = randomTensor([4, 6], seed: 1)
        let upstream = randomTensor([4, 6], seed: 5)

        func run(checkpointed: Bool) -> (out: [Double], grads: [[Double]]) {
            let input = x.detach().requiringGrad()
            let (w, g, b) = { let p = Self.parameters(); return (p[0], p[1], p[2]) }()
            Generator.manualSeed(77)
            let out: Tensor
            if checkpointed {
                // x is passed as an input; w, g, b are captured by the closure.
                let first = checkpoint([input]) { Self.block($0[0], weight: w, gain: g, bias: b) }
                out = checkpoint([first]) { Self.block($0[0], weight: w, gain: g, bias: b) }
            } else {
                out = Self.block(Self.block(input, weight: w, gain: g, bias: b), weight: w, gain: g, bias: b)
            }
            // Something else consumes the default generator between forward and backward.
            _ = Tensor.uniform([10])
            out.backward(upstream)
            return (out.scalars(as: Double.self), [input, w, g, b].map { $0.grad!.scalars(as: Double.self) })
        }
        let plain = run(checkpointed: false)
        let saved = run(checkpointed: true)
        #expect(plain.out == saved.out)
        for (a, b) in zip(plain.grads, saved.grads) {
            for (u, v) in zip(a, b) { #expect(Swift.abs(u - v) < 1e-12) }
        }
    }

    @Test func functionalGradientsReachCapturedParameters() {
        let x = randomTensor([3, 6], seed: 8).requiringGrad()
        let p = Self.parameters()
        let scale = p[0] * 2  // a captured non-leaf: its gradient must still reach p[0]
        func body(_ t: [Tensor]) -> Tensor { (Tensor.layerNorm(t[0], weight: p[1], bias: p[2]) * scale).sum() }
        let reference = gradients(of: body([x]), wrt: [x, p[0], p[1], p[2]], retainGraph: true)
        let out = checkpoint([x]) { body($0) }
        let checked = gradients(of: out, wrt: [x, p[0], p[1], p[2]])
        for (a, b) in zip(reference, checked) { expectClose(b, a.scalars(as: Double.self), tolerance: 1e-12) }
        #expect(p.allSatisfy { $0.grad == nil })
    }

    /// A tensor computed outside the block, captured by it and also used outside: the outer
    /// backward (without retained graph) must still run through it once, after the block.
    @Test func capturedNonLeafUsedOutsideTheBlock() {
        let x = randomTensor([3, 6], seed: 9)
        func run(checkpointed: Bool) -> [[Double]] {
            let input = x.detach().requiringGrad()
            let p = Self.parameters()
            let scale = p[0] * 2 + 1
            func body(_ t: Tensor) -> Tensor { Tensor.layerNorm(t, weight: p[1], bias: p[2]) * scale }
            let inner = checkpointed ? checkpoint([input]) { body($0[0]) } : body(input)
            let loss = (inner * inner).sum() + (scale * 3).sum()
            loss.backward()
            return [input, p[0], p[1], p[2]].map { $0.grad!.scalars(as: Double.self) }
        }
        let plain = run(checkpointed: false), saved = run(checkpointed: true)
        for (a, b) in zip(plain, saved) {
            for (u, v) in zip(a, b) { #expect(Swift.abs(u - v) < 1e-12) }
        }
    }

    /// The block's own intermediates are released after the forward: only the parameters (and,
    /// here, the captured non-leaf and the leaf behind it) are listed on the node.
    @Test func traceFindsExactlyTheCapturedTensors() {
        let x = randomTensor([3, 6], seed: 9).requiringGrad()
        let p = Self.parameters()
        let (_, leavesOnly) = Checkpointing.trace([x]) { Self.block($0[0], weight: p[0], gain: p[1], bias: p[2]) }
        #expect(Set(leavesOnly.map(ObjectIdentifier.init)) == Set(p.map(ObjectIdentifier.init)))
        let scale = p[0] * 2
        let (_, withOuter) = Checkpointing.trace([x]) { Tensor.layerNorm($0[0], weight: p[1]) * scale }
        #expect(Set(withOuter.map(ObjectIdentifier.init)) == Set([p[1], p[0], scale].map(ObjectIdentifier.init)))
    }

    @Test func noGradModeAndFrozenInputsRecordNothing() {
        let x = randomTensor([2, 6])
        let out = checkpoint([x]) { Tensor.layerNorm($0[0]) }
        #expect(!out.requiresGrad)
        let w = randomTensor([6]).requiringGrad()
        let inference = withGradientsDisabled { checkpoint([x]) { Tensor.layerNorm($0[0], weight: w) } }
        #expect(!inference.requiresGrad)
        // Only a captured parameter requires grad: the node still records it.
        let trained = checkpoint([x]) { Tensor.layerNorm($0[0], weight: w) }
        trained.sum().backward()
        let direct = gradients(of: Tensor.layerNorm(x, weight: w).sum(), wrt: [w])[0]
        expectClose(w.grad!, direct.scalars(as: Double.self), tolerance: 1e-12)
    }
}

/// The graph holds nodes, not the tensors that flow between them: an intermediate no rule saved
/// is freed during the forward, as in PyTorch, and checkpointing still finds outer tensors.
@Suite struct GraphMemoryTests {
    @Test func intermediatesNoRuleSavesAreFreed() {
        let x = randomTensor([4, 5], seed: 1).requiringGrad()
        weak var first: Tensor?
        weak var second: Tensor?
        let y: Tensor = {
            let a = x * 2, b = x * 3     // mul saves x (a leaf), not its output
            first = a
            second = b
            return (a + b).sum()         // add saves nothing
        }()
        #expect(first == nil && second == nil, "the add's inputs should be gone before backward")
        y.backward()
        expectClose(x.grad!, [Double](repeating: 5, count: 20), shape: [4, 5])
    }

    @Test func outerTensorUsedTwiceInsideACheckpoint() {
        let x = randomTensor([3, 6], seed: 5)
        func run(checkpointed: Bool) -> [Double] {
            let input = x.detach().requiringGrad()
            let w = randomTensor([6], seed: 6).requiringGrad()
            let scale = w * 2 + 1
            func body(_ t: Tensor) -> Tensor { (t * scale).tanh() + scale }
            let inner = checkpointed ? checkpoint([input]) { body($0[0]) } : body(input)
            (inner * inner).sum().backward()
            return input.grad!.scalars(as: Double.self) + w.grad!.scalars(as: Double.self)
        }
        let plain = run(checkpointed: false), saved = run(checkpointed: true)
        for (u, v) in zip(plain, saved) { #expect(Swift.abs(u - v) < 1e-12) }
    }
}
