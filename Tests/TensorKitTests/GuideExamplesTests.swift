import Foundation
import Testing
import TensorKit

// The code of Documentation/Tensors.md and Documentation/Autograd.md, compiled and run so the
// guides cannot rot. Uses only the public API (no @testable).

private struct Cube: UnaryFloatFunction {
    func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x * x * x }
}

private extension Tensor {
    func cube() -> Tensor {
        mapFloat(op: "cube", Cube(), rule: { g in g * self * self * 3 })
    }
}

@Suite struct GuideExamplesTests {
    @Test func tensorsGuide() throws {
        let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let ids = Tensor([3, 1, 4] as [Int64])
        let half = x.cast(to: .bfloat16)
        let zeros = Tensor.zeros([2, 3], dtype: .float64)
        let r = Tensor.normal([4, 4], std: 0.02, generator: Generator(seed: 0))
        #expect(ids.dtype == .int64 && half.dtype == .bfloat16 && zeros.count == 6 && r.shape == [4, 4])

        let m = Tensor((0..<12).map(Float.init), shape: [3, 4])
        let t = m.transposed()
        let everyOther = m.slice(axis: 1, 0..<4, step: 2)
        #expect(!t.isContiguous && t.strides == [1, 4])
        #expect(everyOther.scalars(as: Float.self) == [0, 2, 4, 6, 8, 10])
        #expect("\(Tensor((0..<6).map(Float.init), shape: [2, 3]))" ==
            "tensor([[0.0000, 1.0000, 2.0000],\n        [3.0000, 4.0000, 5.0000]], dtype: float32, shape: [2, 3])")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guide-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("layer.safetensors")
        let w = Tensor.ones([2, 2]), b = Tensor.zeros([2])
        try SafeTensors.save(["weight": w, "bias": b], metadata: ["format": "pt"], to: url)
        let tensors = try SafeTensors.load(contentsOf: url)
        let lazy = try SafeTensorsFile(contentsOf: url)
        let weight = try lazy.tensor(named: "weight")
        #expect(tensors["bias"]!.shape == [2] && weight.scalars(as: Float.self) == [1, 1, 1, 1])
    }

    @Test func autogradGuide() {
        let w = Tensor([1, 2, 3] as [Double]).requiringGrad()
        let loss = (w * w).sum()
        loss.backward()
        #expect(w.grad!.scalars(as: Double.self) == [2, 4, 6])

        let x = Tensor([1, 2] as [Double]).requiringGrad()
        let y = Tensor([3, 4] as [Double])
        let g = gradients(of: (x * y).sum(), wrt: [x])
        let (value, grads) = valueWithGradients(at: [x, y]) { ($0[0] * $0[1]).sum() }
        #expect(g[0].scalars(as: Double.self) == [3, 4] && x.grad == nil)
        #expect(value.item() == 11 && grads[1].scalars(as: Double.self) == [1, 2])

        let input = Tensor.normal([3, 4], dtype: .float64)
        #expect(gradcheck({ $0[0].tanh().sum(axes: [1]) }, inputs: [input]).passed)

        let c = Tensor([2] as [Double]).requiringGrad()
        c.cube().sum().backward()
        #expect(c.grad!.item() == 12)

        let p = Tensor.normal([3, 3], dtype: .float64).requiringGrad()
        let block: ([Tensor]) -> Tensor = { ($0[0].matmul(p)).tanh() }
        let plain = gradients(of: block([input.transposed()]).sum(), wrt: [p])[0]
        checkpoint([input.transposed()], block).sum().backward()
        #expect(p.grad!.scalars(as: Double.self) == plain.scalars(as: Double.self))
    }
}

@Suite struct OptimizerGuideTests {
    @Test func optimizersGuide() throws {
        let w = Tensor.normal([4, 3], dtype: .float32, generator: Generator(seed: 3)).requiringGrad()
        let b = Tensor.zeros([3]).requiringGrad()
        let head = Tensor.normal([3, 2], generator: Generator(seed: 4)).requiringGrad()
        let optimizer = AdamW(groups: [
            ParameterGroup(parameters: [w], options: AdamOptions(learningRate: 2e-2, weightDecay: 0.01)),
            ParameterGroup(parameters: [b], options: AdamOptions(learningRate: 2e-2, weightDecay: 0)),
            ParameterGroup(parameters: [head], options: AdamOptions(learningRate: 1e-1, weightDecay: 0.01)),
        ])
        let scheduler = LearningRateScheduler(.warmupCosine(warmupSteps: 2, totalSteps: 20), optimizer: optimizer)
        let x = Tensor.normal([8, 4], generator: Generator(seed: 5))
        func lossOf() -> Tensor { let y = (x.matmul(w) + b).tanh().matmul(head); return (y * y).mean() }
        let first = lossOf().item()
        for _ in 0..<20 {
            optimizer.zeroGrad()
            let loss = lossOf()
            loss.backward()
            clipGradientNorm(optimizer.parameters, maxNorm: 1.0)
            optimizer.step()
            scheduler.step()
        }
        #expect(lossOf().item() < first)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("optim-guide-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tensorsURL = folder.appendingPathComponent("optimizer.safetensors")
        let jsonURL = folder.appendingPathComponent("optimizer.json")
        let state = optimizer.stateDict()
        try SafeTensors.save(state.tensors, to: tensorsURL)
        try state.scalarsJSON().write(to: jsonURL)
        let restored = try OptimizerStateDict(tensors: SafeTensors.load(contentsOf: tensorsURL),
                                              scalarsJSON: Data(contentsOf: jsonURL))
        let fresh = AdamW(groups: optimizer.groups)
        try fresh.load(stateDict: restored)
        #expect(fresh.stateByteCount == optimizer.stateByteCount && fresh.stateByteCount > 0)
    }
}
