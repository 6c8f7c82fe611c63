/// Activation checkpointing: runs `body` now without keeping its intermediate tensors, and runs
/// it again during backward to get its gradients — memory for compute, as
/// `torch.utils.checkpoint.checkpoint`.
///
/// The result's gradient reaches both `inputs` and the tensors `body` captures that require
/// grad (a block's parameters, or a tensor computed outside the block): they are found while the
/// forward runs and the recorded node lists them as its inputs, so
/// ``Tensor/backward(_:retainGraph:)`` accumulates into their ``Tensor/grad`` as usual and
/// ``gradients(of:wrt:seed:retainGraph:)`` can ask for them.
///
/// `body` must compute the same function each time it runs. Randomness from the thread's default
/// ``Generator`` is handled: its state is saved and restored for the recomputation, so dropout
/// masks match. A generator passed explicitly into `body` is not restored; reseed it yourself or
/// use the default one.
///
/// ```swift
/// let h = checkpoint([x]) { inputs in block(inputs[0]) }
/// ```
public func checkpoint(_ inputs: [Tensor], _ body: @escaping ([Tensor]) -> Tensor) -> Tensor {
    guard GradMode.isEnabled else { return body(inputs) }
    let rngState = Generator.default.stateWords
    let (output, captured) = Checkpointing.trace(inputs, body)
    guard inputs.contains(where: { $0.requiresGrad }) || !captured.isEmpty else { return output }
    output.gradFn = GradNode(name: "checkpoint", inputs: inputs + captured) { gradient in
        let savedState = Generator.default.stateWords
        Generator.default.stateWords = rngState
        defer { Generator.default.stateWords = savedState }
        // Captured tensors computed outside the block stand in as leaves while the block is
        // recomputed and differentiated (the graph records where each input came from when the
        // op runs), so the inner backward stops there instead of running (and freeing) the
        // outer graph; the outer backward carries their gradients on from this node.
        let outer = captured.filter { !$0.isLeaf }
        let outerNodes = outer.map { $0.gradFn }
        for tensor in outer {
            tensor.gradFn = nil
            tensor.requiresGrad = true
        }
        defer {
            for (tensor, node) in zip(outer, outerNodes) {
                tensor.requiresGrad = false
                tensor.gradFn = node
            }
        }
        let fresh = inputs.map { $0.detach() }
        for (copy, original) in zip(fresh, inputs) where original.requiresGrad { copy.requiresGrad = true }
        let recomputed = withGradientsEnabled { body(fresh) }
        let none = [Tensor?](repeating: nil, count: inputs.count + captured.count)
        guard recomputed.requiresGrad else { return none }
        // Every target is a leaf now (fresh copies, parameters, outer tensors made leaves above).
        let keys = (fresh + captured).map { GradVertex($0).id }
        let found = Autograd.run(roots: [recomputed], seeds: [gradient], capture: Set(keys), retainGraph: false)
        // nil, not zeros, for what the recomputation does not reach: no work downstream.
        return keys.enumerated().map { index, key in
            index < inputs.count && !inputs[index].requiresGrad ? nil : found[key]
        }
    }
    return output
}

/// Discovery of what a checkpointed block captures.
enum Checkpointing {
    private struct WeakTensor { weak var value: Tensor? }

    /// Runs `body` once with recording on and returns its (detached) output with the tensors it
    /// captures that require grad: every leaf its graph reaches other than the block's inputs,
    /// and every non-leaf that is still alive once the block's own graph is gone — those were
    /// made outside the block. Only one block's intermediates are alive at a time, as in the
    /// recomputation.
    static func trace(_ inputs: [Tensor], _ body: ([Tensor]) -> Tensor) -> (Tensor, [Tensor]) {
        let (output, leaves, nonLeaves) = walk(inputs, body)
        // `walk` has returned, so the traced graph is released: internal tensors are gone.
        return (output, leaves + nonLeaves.compactMap(\.value))
    }

    private static func walk(_ inputs: [Tensor], _ body: ([Tensor]) -> Tensor)
        -> (Tensor, [Tensor], [WeakTensor]) {
        let detached = inputs.map { $0.detach() }
        for (copy, original) in zip(detached, inputs) where original.requiresGrad { copy.requiresGrad = true }
        let traced = body(detached)
        guard traced.requiresGrad else { return (traced.detach(), [], []) }
        // The graph holds nodes, and tensors only weakly: a tensor made inside the block is
        // alive now only if a rule saved it, and is gone once the block's graph is; one made
        // outside stays alive.
        var seenNodes = Set<ObjectIdentifier>(), seenTensors = Set(detached.map(ObjectIdentifier.init))
        var leaves: [Tensor] = []
        var nonLeaves: [WeakTensor] = []
        var stack = traced.gradFn.map { [$0] } ?? []
        while let node = stack.popLast() {
            guard seenNodes.insert(ObjectIdentifier(node)).inserted else { continue }
            for edge in node.edges {
                if let leaf = edge.leaf {
                    if seenTensors.insert(ObjectIdentifier(leaf)).inserted { leaves.append(leaf) }
                } else if let next = edge.node {
                    if let tensor = edge.tensor, seenTensors.insert(ObjectIdentifier(tensor)).inserted {
                        nonLeaves.append(WeakTensor(value: tensor))
                    }
                    stack.append(next)
                }
            }
        }
        return (traced.detach(), leaves, nonLeaves)
    }
}
