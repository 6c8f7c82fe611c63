import Foundation
import Testing
@testable import TensorKit

/// Fused ops against PyTorch (Tests/Fixtures/make_fused_fixtures.py → fused.json, float32):
/// forward values and the gradients of every input for the stored upstream gradient.
@Suite struct FusedParityTests {
    typealias Case = [String: Any]

    static func cases(_ op: String) -> [Case] {
        let data = try! Data(contentsOf: fixtureURL("fused.json"))
        let fixtures = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return fixtures[op] as! [Case]
    }

    static func tensor(_ value: Any?, dtype: DType = .float32) -> Tensor {
        let entry = value as! [String: Any]
        let shape = (entry["shape"] as! [NSNumber]).map(\.intValue)
        let data = (entry["data"] as! [NSNumber]).map(\.doubleValue)
        switch dtype {
        case .float32: return Tensor(data.map { Float($0) }, shape: shape)
        case .int64: return Tensor(data.map { Int64($0) }, shape: shape)
        case .bool: return Tensor(data.map { $0 != 0 }, shape: shape)
        default: return Tensor(data, shape: shape)
        }
    }

    static func values(_ value: Any?) -> [Double] {
        ((value as! [String: Any])["data"] as! [NSNumber]).map(\.doubleValue)
    }

    /// Runs `op` on tracked copies of `inputs`, backpropagates the case's upstream gradient and
    /// compares the output and the gradients with the stored ones.
    static func check(_ c: Case, inputs: [Tensor], gradientKeys: [String?], tolerance: Double = 1e-5,
                      _ op: ([Tensor]) -> Tensor) {
        let name = c["name"] as! String
        let tracked = inputs.map { $0.detach().requiringGrad() }
        let out = op(tracked)
        let expected = tensor(c["output"])
        #expect(out.shape == expected.shape, "\(name): shape \(out.shape) vs \(expected.shape)")
        expectClose(out, values(c["output"]), tolerance: tolerance)
        let upstream = tensor(c["upstream"]).reshape(out.shape)
        let grads = gradients(of: out, wrt: tracked, seed: upstream)
        for (grad, key) in zip(grads, gradientKeys) {
            guard let key else { continue }
            expectClose(grad, values(c[key]), tolerance: tolerance)
        }
    }

    @Test func crossEntropyMatchesPyTorch() {
        for c in Self.cases("crossEntropy") {
            let targets = Self.tensor(c["targets"], dtype: .int64)
            let reduction: LossReduction = switch c["reduction"] as! String {
            case "sum": .sum
            case "none": .none
            default: .mean
            }
            Self.check(c, inputs: [Self.tensor(c["logits"])], gradientKeys: ["gradLogits"]) {
                Tensor.crossEntropy(logits: $0[0], targets: targets, ignoreIndex: c["ignoreIndex"] as! Int,
                                    labelSmoothing: c["labelSmoothing"] as! Double, reduction: reduction)
            }
        }
    }

    @Test func layerNormMatchesPyTorch() {
        for c in Self.cases("layerNorm") {
            var inputs = [Self.tensor(c["x"])]
            let hasWeight = c["weight"] != nil, hasBias = c["bias"] != nil
            if hasWeight { inputs.append(Self.tensor(c["weight"])) }
            if hasBias { inputs.append(Self.tensor(c["bias"])) }
            let keys: [String?] = ["gradX"] + (hasWeight ? ["gradWeight"] : []) + (hasBias ? ["gradBias"] : [])
            Self.check(c, inputs: inputs, gradientKeys: keys) { t in
                Tensor.layerNorm(t[0], weight: hasWeight ? t[1] : nil, bias: hasBias ? t[t.count - 1] : nil,
                                 eps: c["eps"] as! Double)
            }
        }
    }

    @Test func rmsNormMatchesPyTorch() {
        for c in Self.cases("rmsNorm") {
            var inputs = [Self.tensor(c["x"])]
            let hasWeight = c["weight"] != nil
            if hasWeight { inputs.append(Self.tensor(c["weight"])) }
            Self.check(c, inputs: inputs, gradientKeys: ["gradX"] + (hasWeight ? ["gradWeight"] : [])) { t in
                Tensor.rmsNorm(t[0], weight: hasWeight ? t[1] : nil, eps: c["eps"] as! Double)
            }
        }
    }

    @Test func embeddingMatchesPyTorch() {
        for c in Self.cases("embedding") {
            let indices = Self.tensor(c["indices"], dtype: .int64)
            Self.check(c, inputs: [Self.tensor(c["weight"])], gradientKeys: ["gradWeight"]) {
                Tensor.embedding(indices, weight: $0[0])
            }
        }
    }

    @Test func attentionMatchesPyTorch() {
        for c in Self.cases("attention") {
            var mask: Tensor?
            switch c["maskKind"] as? String {
            case "padding", "bool4": mask = Self.tensor(c["mask"], dtype: .bool)
            case "additive": mask = Self.tensor(c["mask"])
            default: mask = nil
            }
            let inputs = [Self.tensor(c["q"]), Self.tensor(c["k"]), Self.tensor(c["v"])]
            Self.check(c, inputs: inputs, gradientKeys: ["gradQ", "gradK", "gradV"]) { t in
                Tensor.scaledDotProductAttention(t[0], t[1], t[2], causal: c["causal"] as! Bool, mask: mask,
                                                 scale: c["scale"] as? Double)
            }
        }
    }
}
