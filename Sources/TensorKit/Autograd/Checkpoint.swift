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
        let fresh = inputs.map { $0.detach() }
        for (copy, original) in zip(fresh, inputs) where original.requiresGrad { copy.requiresGrad = true }
        let recomputed = withGradientsEnabled { body(fresh) }
        let none = [Tensor?](repeating: nil, count: inputs.count + captured.count)
        guard recomputed.requiresGrad else { return none }
        // Captured tensors computed outside the block stand in as leaves while the recomputed
        // graph is differentiated, so the walk stops there instead of running (and freeing) the
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
        let targets = fresh + captured
        let found = Autograd.run(roots: [recomputed], seeds: [gradient],
                                 capture: Set(targets.map(ObjectIdentifier.init)), retainGraph: false)
        // nil, not zeros, for what the recomputation does not reach: no work downstream.
        return targets.enumerated().map { index, target in
            index < inputs.count && !inputs[index].requiresGrad ? nil : found[ObjectIdentifier(target)]
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
        var seen = Set(detached.map(ObjectIdentifier.init))
        var leaves: [Tensor] = []
        var nonLeaves: [WeakTensor] = []
        var stack = [traced]
        while let tensor = stack.popLast() {
            guard seen.insert(ObjectIdentifier(tensor)).inserted else { continue }
            if let node = tensor.gradFn {
                if tensor !== traced { nonLeaves.append(WeakTensor(value: tensor)) }
                stack.append(contentsOf: node.inputs.filter { $0.requiresGrad })
            } else if tensor.requiresGrad {
                leaves.append(tensor)
            }
        }
        return (traced.detach(), leaves, nonLeaves)
    }
}
