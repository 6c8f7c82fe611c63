import Foundation
import Testing
@testable import FineTuning

/// A tiny layer for reflection tests: weight and optional bias as plain stored tensors.
private final class Affine: Module {
    var weight: Tensor
    var bias: Tensor?
    init(_ n: Int, bias: Bool = true) {
        weight = Tensor.ones([n, n])
        self.bias = bias ? Tensor.zeros([n]) : nil
        super.init()
        weight.requiresGrad = true
        self.bias?.requiresGrad = true
    }
}

private final class Block: Module {
    var attention = Affine(2)
    var norm = Affine(2, bias: false)
}

private final class Net: Module {
    var embedding = Tensor.zeros([4, 2]).requiringGrad()
    var layers = [Block(), Block()]
    var head: Affine? = Affine(2)
    var named: [String: Module] = ["b": Affine(1), "a": Affine(1)]
    let label = "not a parameter"
}

@Suite struct ModuleReflectionTests {
    @Test func parametersAreNamedByPropertyPath() {
        let net = Net()
        #expect(net.namedParameters().map(\.name) == [
            "embedding",
            "layers.0.attention.weight", "layers.0.attention.bias", "layers.0.norm.weight",
            "layers.1.attention.weight", "layers.1.attention.bias", "layers.1.norm.weight",
            "head.weight", "head.bias",
            "named.a.weight", "named.a.bias", "named.b.weight", "named.b.bias",
        ])
        #expect(net.namedModules().map(\.name).contains("layers.1.norm"))
        #expect(net.parameterCounts().total == 8 + 2 * (4 + 2 + 4) + 6 + 2 * 2)
    }

    @Test func freezingByModulePatternAndPredicate() {
        let net = Net()
        net.layers[0].freeze()
        #expect(net.layers[0].trainableParameters().isEmpty)
        #expect(net.freeze(matching: "*.bias") == 5)
        #expect(net.namedParameters().filter { $0.name.hasSuffix("bias") }.allSatisfy { !$0.tensor.requiresGrad })
        #expect(net.unfreeze(matching: "layers.0.*") == 3)
        #expect(net.freeze { name, _ in name.hasPrefix("named") } == 4)
        let trainable = Set(net.trainableParameters().map(ObjectIdentifier.init))
        #expect(trainable.contains(ObjectIdentifier(net.layers[0].attention.bias!)))
        #expect(!trainable.contains(ObjectIdentifier(net.layers[1].attention.bias!)))
        #expect(Glob.matches("layers.10.weight", "layers.1?.*"))
        #expect(!Glob.matches("layers.1.weight", "layers.1?.*"))
    }

    @Test func trainAndEvalReachEveryModule() {
        let net = Net()
        net.eval()
        #expect(net.namedModules().allSatisfy { !$0.module.isTraining })
        net.train()
        #expect(net.layers[1].norm.isTraining)
    }

    @Test func stateDictRoundTripAndReport() throws {
        let source = Net()
        source.layers[1].attention.weight.assign(Tensor.full([2, 2], value: 3))
        let target = Net()
        let weightBefore = target.layers[1].attention.weight
        try target.load(stateDict: source.stateDict())
        #expect(target.layers[1].attention.weight === weightBefore)
        #expect(target.layers[1].attention.weight.scalars(as: Float.self) == [3, 3, 3, 3])

        var broken = source.stateDict()
        broken["head.bias"] = nil
        broken["extra"] = Tensor.zeros([1])
        broken["embedding"] = Tensor.zeros([5, 2])
        #expect(throws: StateDictError.self) { try target.load(stateDict: broken) }
        let report = try target.load(stateDict: broken, strict: false)
        #expect(report.missing == ["head.bias"])
        #expect(report.unexpected == ["extra"])
        #expect(report.mismatched == [.init(name: "embedding", expected: [4, 2], found: [5, 2])])
        #expect(report.description.contains("embedding: expected shape [4, 2], found [5, 2]"))
    }

    @Test func halfPrecisionStateLoadsIntoFloatParameters() throws {
        let net = Affine(2, bias: false)
        try net.load(stateDict: ["weight": Tensor.full([2, 2], value: 0.5).cast(to: .float16)])
        #expect(net.weight.scalars(as: Float.self) == [0.5, 0.5, 0.5, 0.5])
    }

    @Test func saveAndLoadThroughSafetensors() throws {
        let source = Net()
        source.layers[0].norm.weight.assign(Tensor.full([2, 2], value: 0.25))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("module-\(UInt64.random(in: 0 ... .max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try source.save(to: url, metadata: ["note": "test"])
        let target = Net()
        try target.load(contentsOf: url)
        #expect(target.layers[0].norm.weight.scalars(as: Float.self) == [0.25, 0.25, 0.25, 0.25])
        #expect(try SafeTensors.metadata(contentsOf: url)["note"] == "test")
        let smaller = Affine(2)
        #expect(throws: StateDictError.self) { try smaller.load(contentsOf: url) }
    }
}
