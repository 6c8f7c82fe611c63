import Foundation
import Testing
@testable import FineTuning

private final class Scale: Module {
    var weight: Tensor
    init(_ n: Int) {
        weight = Tensor.ones([n])
        super.init()
    }
}

private final class Tree: Module {
    var head: Scale? = Scale(1)
    var blocks = [Scale(2), Scale(2)]
    var extras: [String: Scale] = [:]
}

private final class Nest: Module {
    var tree = Tree()
}

/// The cached module tree follows every structural change (see "The tree cache" in Module).
@Suite struct ModuleTreeTests {
    private func names(_ tree: Tree) -> [String] { tree.namedParameters().map(\.name) }

    @Test func assigningANewChildIsSeen() {
        let tree = Tree()
        #expect(names(tree) == ["head.weight", "blocks.0.weight", "blocks.1.weight"])
        tree.head = Scale(3)
        #expect(tree.namedParameters().first?.tensor.shape == [3])
        tree.head = nil  // nothing else holds it: its destruction marks the change
        #expect(names(tree) == ["blocks.0.weight", "blocks.1.weight"])
    }

    @Test func dictionaryAndArrayChangesAreSeen() {
        let tree = Tree()
        _ = names(tree)
        tree.extras["lora"] = Scale(4)
        #expect(names(tree) == ["head.weight", "blocks.0.weight", "blocks.1.weight", "extras.lora.weight"])
        tree.blocks[1] = Scale(5)
        #expect(tree.namedParameters()[2].tensor.shape == [5])
        tree.blocks.append(Scale(6))
        #expect(names(tree).contains("blocks.2.weight"))
        #expect(tree.namedModules().map(\.name).contains("blocks.2"))
        tree.extras["lora"] = nil
        #expect(!names(tree).contains("extras.lora.weight"))
        #expect(tree.parameterCounts().total == 1 + 2 + 5 + 6)
    }

    @Test func movingOrKeepingAModuleNeedsInvalidateTree() {
        let tree = Tree()
        let head = tree.head!
        _ = names(tree)
        tree.head = nil  // still held by `head`, so nothing marks the removal
        tree.invalidateTree()
        #expect(names(tree) == ["blocks.0.weight", "blocks.1.weight"])
        #expect(head.weight.shape == [1])

        let kept = Scale(7)  // created before the walk below, so its creation marks nothing later
        let sharedWeight = Tensor.zeros([9])
        _ = names(tree)
        tree.extras["moved"] = kept
        kept.weight = sharedWeight
        tree.invalidateTree()
        #expect(names(tree).last == "extras.moved.weight")
        #expect(tree.namedParameters().last?.tensor === sharedWeight)
    }

    @Test func deepChangesReachTheRootsFlattenedLists() {
        let nest = Nest()
        #expect(nest.namedParameters().count == 3)
        nest.tree.blocks[0].weight.assign(Tensor.full([2], value: 3))  // values are not structure
        #expect(nest.namedParameters()[1].tensor.scalars(as: Float.self) == [3, 3])
        nest.tree.blocks.append(Scale(8))
        #expect(nest.namedParameters().map(\.name).last == "tree.blocks.2.weight")
        nest.eval()
        #expect(nest.namedModules().count == 6 && nest.namedModules().allSatisfy { !$0.module.isTraining })
    }

    @Test func sequentialNamesItsLayersByPosition() {
        let mlp = Sequential(Linear(2, 3), GELU(), Linear(3, 1))
        #expect(mlp.namedParameters().map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        mlp.layers.append(Linear(1, 1, bias: false))
        #expect(mlp.namedParameters().map(\.name).last == "layers.3.weight")
        #expect(mlp(Tensor.ones([4, 2])).shape == [4, 1])
    }

    #if DEBUG
    @Test func aMissedInvalidationStopsInDebugBuilds() async {
        await #expect(processExitsWith: .failure) {
            let tree = Tree()
            let kept = Scale(7)
            _ = tree.namedParameters()
            tree.extras["moved"] = kept  // an existing module, and no invalidateTree()
            _ = tree.namedParameters()
        }
    }
    #endif
}
