import Foundation
import Testing
@testable import FineTuning

/// Expects `tensor` to match `expected` elementwise within `tolerance · (1 + |expected|)`.
func expectTensorsClose(_ tensor: Tensor, _ expected: Tensor, tolerance: Double = 1e-5,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(tensor.shape == expected.shape, "shape \(tensor.shape) != \(expected.shape)", sourceLocation: sourceLocation)
    guard tensor.shape == expected.shape else { return }
    let a = tensor.scalars(as: Double.self), e = expected.scalars(as: Double.self)
    for i in a.indices where !(Swift.abs(a[i] - e[i]) <= tolerance * (1 + Swift.abs(e[i]))) {
        Issue.record("element \(i): \(a[i]) vs expected \(e[i])", sourceLocation: sourceLocation)
        return
    }
}

/// A committed file under Tests/Fixtures.
func layerFixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
}

/// Int32 token ids `[rows.count, rows[0].count]`.
func tokenIds(_ rows: [[Int]]) -> Tensor {
    Tensor(rows.flatMap { $0.map { Int32($0) } }, shape: [rows.count, rows[0].count])
}

/// Checks the gradients of every parameter of `module` (float64) against central finite
/// differences of `loss`, on up to `perParameter` elements each (spread over the tensor).
func expectParameterGradients(_ module: Module, perParameter: Int = 4, epsilon: Double = 1e-6,
                              tolerance: Double = 1e-5, sourceLocation: SourceLocation = #_sourceLocation,
                              _ loss: () -> Tensor) {
    let named = module.namedParameters()
    named.forEach { $0.tensor.zeroGrad() }
    loss().backward()
    for (name, parameter) in named {
        guard let grad = parameter.grad else {
            Issue.record("\(name): no gradient", sourceLocation: sourceLocation)
            continue
        }
        let analytic = grad.scalars(as: Double.self)
        let pointer = parameter.pointer(as: Double.self)
        let step = Swift.max(1, parameter.count / perParameter)
        for i in stride(from: 0, to: parameter.count, by: step) {
            let saved = pointer[i]
            pointer[i] = saved + epsilon
            let plus = withGradientsDisabled { loss().item() }
            pointer[i] = saved - epsilon
            let minus = withGradientsDisabled { loss().item() }
            pointer[i] = saved
            let numeric = (plus - minus) / (2 * epsilon)
            let ok = Swift.abs(numeric - analytic[i]) <= tolerance * (1 + Swift.abs(numeric))
            #expect(ok, "\(name)[\(i)]: analytic \(analytic[i]) vs numeric \(numeric)", sourceLocation: sourceLocation)
            if !ok { break }
        }
    }
}

/// One Adam step on `parameters`, written inline so the tests need no optimizer module.
final class TestAdam {
    var m: [Tensor] = [], v: [Tensor] = []
    var step = 0
    let rate: Double
    init(rate: Double) { self.rate = rate }

    func update(_ parameters: [Tensor]) {
        if m.isEmpty {
            m = parameters.map { $0.zerosLike() }
            v = parameters.map { $0.zerosLike() }
        }
        step += 1
        let (b1, b2) = (0.9, 0.999)
        let c1 = 1 - Foundation.pow(b1, Double(step)), c2 = 1 - Foundation.pow(b2, Double(step))
        withGradientsDisabled {
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                m[i] = m[i] * b1 + g * (1 - b1)
                v[i] = v[i] * b2 + g * g * (1 - b2)
                p.assign(p - (m[i] / c1) / ((v[i] / c2).sqrt() + 1e-8) * rate)
                p.zeroGrad()
            }
        }
    }
}

/// A tiny LLaMA-style GPT (rotary positions, RMSNorm, SwiGLU, grouped key/value heads, no
/// biases); by default its projections all take 32-value quantization blocks.
func tinyLlamaGPT(dim: Int = 64, hidden: Int = 128, initStd: Double = 0.1, dtype: DType = .float32,
                  seed: UInt64 = 17) -> GPT {
    var config = GPTConfig(vocabularySize: 40, maxPositions: 64, dim: dim, layers: 2, heads: 4, kvHeads: 2, hidden: hidden)
    config.positions = .rotary(base: 10_000)
    config.norm = .rmsNorm
    config.feedForward = .swiGLU
    config.bias = false
    config.initStd = initStd
    config.dtype = dtype
    return GPT(config, generator: Generator(seed: seed))
}
