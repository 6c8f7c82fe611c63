import Foundation
import Testing
@testable import FineTuning

@Suite struct LayerTests {
    @Test func linearMatchesManualMatmul() {
        let layer = Linear(4, 3, dtype: .float64, generator: Generator(seed: 1))
        #expect(layer.namedParameters().map(\.name) == ["weight", "bias"])
        #expect(layer.weight.shape == [3, 4] && layer.bias!.shape == [3])
        #expect(layer.weight.requiresGrad && layer.bias!.requiresGrad)
        // PyTorch's default init bound 1/√in.
        #expect(layer.weight.scalars(as: Double.self).allSatisfy { Swift.abs($0) <= 0.5 })
        let x = Tensor.uniform([2, 5, 4], low: -1, high: 1, dtype: .float64, generator: Generator(seed: 2))
        let w = layer.weight.scalars(as: Double.self), b = layer.bias!.scalars(as: Double.self)
        let xs = x.scalars(as: Double.self)
        var expected = [Double]()
        for r in 0..<10 {
            for o in 0..<3 { expected.append(b[o] + (0..<4).reduce(0) { $0 + xs[r * 4 + $1] * w[o * 4 + $1] }) }
        }
        expectTensorsClose(layer(x), Tensor(expected, shape: [2, 5, 3]), tolerance: 1e-12)
        // Non-contiguous input, no bias, rank 2.
        let plain = Linear(4, 3, bias: false, dtype: .float64, generator: Generator(seed: 1))
        #expect(plain.bias == nil && plain.namedParameters().count == 1)
        let xt = Tensor.uniform([4, 6], dtype: .float64, generator: Generator(seed: 3)).transposed()
        expectTensorsClose(plain(xt), xt.matmul(plain.weight.transposed()), tolerance: 1e-12)
        expectGradientsFlow(layer) { layer(x).sum() }
    }

    @Test func embeddingAndNorms() {
        let table = Embedding(10, 4, dtype: .float64, generator: Generator(seed: 1))
        let vectors = table(Tensor([3, 1, 3] as [Int32]))
        #expect(vectors.shape == [3, 4])
        expectTensorsClose(vectors[0], table.weight[3], tolerance: 0)

        let x = Tensor.normal([2, 3, 8], mean: 1, std: 2, dtype: .float64, generator: Generator(seed: 4))
        let norm = LayerNorm(8, dtype: .float64)
        #expect(norm.namedParameters().map(\.name) == ["weight", "bias"])
        let mean = x.sum(axes: [2], keepDims: true) / 8
        let centered = x - mean
        let variance = (centered * centered).sum(axes: [2], keepDims: true) / 8
        expectTensorsClose(norm(x), centered / (variance + 1e-5).sqrt(), tolerance: 1e-10)
        #expect(LayerNorm(8, affine: false).namedParameters().isEmpty)

        let rms = RMSNorm(8, dtype: .float64)
        #expect(rms.namedParameters().map(\.name) == ["weight"])
        let meanSquare = (x * x).sum(axes: [2], keepDims: true) / 8
        expectTensorsClose(rms(x), x / (meanSquare + 1e-6).sqrt(), tolerance: 1e-10)
    }

    @Test func dropoutFollowsTrainingMode() {
        let drop = Dropout(0.5, generator: Generator(seed: 1))
        let x = Tensor.ones([1000])
        let trained = drop(x).scalars(as: Float.self)
        #expect(trained.allSatisfy { $0 == 0 || $0 == 2 })
        #expect((400...600).contains(trained.filter { $0 == 0 }.count))
        drop.eval()
        #expect(drop(x) === x)
    }

    @Test func activationsAndSequential() {
        let x = Tensor([-2.0, -0.5, 0, 0.5, 2.0])
        expectTensorsClose(ReLU()(x), Tensor([0, 0, 0, 0.5, 2.0]), tolerance: 0)
        expectTensorsClose(SiLU()(x), x * x.sigmoid(), tolerance: 1e-12)
        expectTensorsClose(Tanh()(x), x.tanh(), tolerance: 0)
        let erf = x.scalars(as: Double.self).map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        expectTensorsClose(GELU()(x), Tensor(erf), tolerance: 1e-7)
        expectTensorsClose(Activation.geluTanh(x), x.gelu(approximate: .tanh), tolerance: 0)

        let mlp = Sequential(Linear(4, 8, generator: Generator(seed: 1)), GELU(), Linear(8, 2, generator: Generator(seed: 2)))
        #expect(mlp.namedParameters().map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        let input = Tensor.normal([3, 4], generator: Generator(seed: 3))
        let first = mlp.layers[0] as! Linear, last = mlp.layers[2] as! Linear
        expectTensorsClose(mlp(input), last(first(input).gelu()), tolerance: 1e-6)
    }

    @Test func feedForwardKinds() {
        let x = Tensor.normal([2, 3, 8], dtype: .float64, generator: Generator(seed: 5))
        let mlp = FeedForward(dim: 8, hidden: 16, kind: .mlp(.relu), dtype: .float64, generator: Generator(seed: 1))
        #expect(mlp.namedParameters().map(\.name) == ["up.weight", "up.bias", "down.weight", "down.bias"])
        expectTensorsClose(mlp(x), mlp.down(mlp.up(x).relu()), tolerance: 0)
        let swiGLU = FeedForward(dim: 8, hidden: 16, kind: .swiGLU, bias: false, dtype: .float64, generator: Generator(seed: 1))
        #expect(swiGLU.namedParameters().map(\.name) == ["gate.weight", "up.weight", "down.weight"])
        expectTensorsClose(swiGLU(x), swiGLU.down(swiGLU.gate!(x).silu() * swiGLU.up(x)), tolerance: 0)
    }

    @Test func transformerBlockNamesAndVariants() {
        let block = TransformerBlock(dim: 8, heads: 2, hidden: 16, dtype: .float64, generator: Generator(seed: 1))
        #expect(block.namedParameters().map(\.name) == [
            "attention.query.weight", "attention.query.bias", "attention.key.weight", "attention.key.bias",
            "attention.value.weight", "attention.value.bias", "attention.output.weight", "attention.output.bias",
            "attentionNorm.weight", "attentionNorm.bias",
            "feedForward.up.weight", "feedForward.up.bias", "feedForward.down.weight", "feedForward.down.bias",
            "feedForwardNorm.weight", "feedForwardNorm.bias",
        ])
        let x = Tensor.normal([2, 5, 8], dtype: .float64, generator: Generator(seed: 2))
        let norm1 = block.attentionNorm as! LayerNorm, norm2 = block.feedForwardNorm as! LayerNorm
        let h = x + block.attention(norm1(x))
        expectTensorsClose(block(x), h + block.feedForward(norm2(h)), tolerance: 1e-12)

        let post = TransformerBlock(dim: 8, heads: 2, hidden: 16, norm: .rmsNorm, preNorm: false, dtype: .float64,
                                    generator: Generator(seed: 1))
        let r1 = post.attentionNorm as! RMSNorm, r2 = post.feedForwardNorm as! RMSNorm
        let p = r1(x + post.attention(x))
        expectTensorsClose(post(x), r2(p + post.feedForward(p)), tolerance: 1e-12)

        let stack = Sequential(block, post)
        #expect(stack.namedParameters().count == 2 * 16 - 2)   // RMSNorm has no bias
        expectTensorsClose(stack(x), post(block(x)), tolerance: 0)

        post.eval()
        #expect(!post.dropout.isTraining && !post.attention.output.isTraining)
    }

    /// Gradients through a whole block (pre-norm, GQA, RoPE, SwiGLU, RMSNorm) in float64:
    /// the input by TensorKit's gradcheck, every parameter by finite differences.
    @Test(arguments: [true, false])
    func blockGradcheck(preNorm: Bool) {
        let block = TransformerBlock(dim: 8, heads: 4, kvHeads: 2, hidden: 12, feedForward: preNorm ? .swiGLU : .mlp(.gelu),
                                     norm: preNorm ? .rmsNorm : .layerNorm, preNorm: preNorm, causal: true,
                                     rotary: preNorm ? RotaryEmbedding(dimension: 2) : nil, dtype: .float64,
                                     generator: Generator(seed: 7))
        let x = Tensor.normal([2, 4, 8], dtype: .float64, generator: Generator(seed: 8))
        let mask = Tensor([true, true, true, true, true, true, false, false], shape: [2, 4])
        let weights = Tensor.normal([2, 4, 8], dtype: .float64, generator: Generator(seed: 9))
        let result = gradcheck({ (block($0[0], mask: mask) * weights).sum() }, inputs: [x])
        #expect(result.passed, "\(result)")
        expectParameterGradients(block) { (block(x, mask: mask) * weights).sum() }
    }

    @Test func sinusoidalTable() {
        let table = SinusoidalPositions.table(length: 3, dimension: 4, dtype: .float64)
        #expect(table.shape == [3, 4])
        let expected: [Double] = [0, 1, 0, 1,
                                  Foundation.sin(1), Foundation.cos(1), Foundation.sin(0.01), Foundation.cos(0.01),
                                  Foundation.sin(2), Foundation.cos(2), Foundation.sin(0.02), Foundation.cos(0.02)]
        expectTensorsClose(table, Tensor(expected, shape: [3, 4]), tolerance: 1e-12)
        expectTensorsClose(SinusoidalPositions.table(length: 1, dimension: 4, offset: 2, dtype: .float64), table[2].reshape([1, 4]),
                           tolerance: 1e-12)
    }

    @Test func layersPreconditions() async {
        await #expect(processExitsWith: .failure) { _ = Linear(4, 3)(Tensor.zeros([2, 5])) }
        await #expect(processExitsWith: .failure) { _ = MultiHeadAttention(dim: 8, heads: 4, kvHeads: 3) }
    }

    private func expectGradientsFlow(_ module: Module, _ loss: () -> Tensor) {
        module.parameters().forEach { $0.zeroGrad() }
        loss().backward()
        #expect(module.parameters().allSatisfy { $0.grad != nil })
    }
}

@Suite struct ParameterInitializationTests {
    @Test func layersStartAtZeroOnlyInsideTheScope() {
        let skipped = withoutRandomInitialization { Linear(4, 3) }
        #expect(skipped.weight.scalars(as: Float.self).allSatisfy { $0 == 0 })
        #expect(skipped.bias!.scalars(as: Float.self).allSatisfy { $0 == 0 } && skipped.weight.requiresGrad)
        let config = EncoderConfig(vocabularySize: 10, dim: 8, layers: 1, heads: 2, hidden: 16)
        let encoder = withoutRandomInitialization { Encoder(config) }
        #expect(encoder.parameters().allSatisfy { p in p.scalars(as: Float.self).allSatisfy { $0 == 0 } || p.shape.count == 1 })
        #expect(Linear(4, 3).weight.scalars(as: Float.self).contains { $0 != 0 })
        #expect(Encoder(config).layers[0].attention.query!.weight.scalars(as: Float.self).contains { $0 != 0 })
    }
}
