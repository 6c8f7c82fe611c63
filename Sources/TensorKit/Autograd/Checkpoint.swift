/// Activation checkpointing: runs `body` now without keeping its intermediate tensors, and runs
/// it again during backward to get its gradients — memory for compute, as
/// `torch.utils.checkpoint.checkpoint`.
///
/// The result's gradient reaches both `inputs` and any tensors `body` captures that require
/// grad (a block's parameters): they are found while the forward runs, and the recorded node
/// lists them as its inputs, so ``Tensor/backward(_:retainGraph:)`` accumulates into their
/// ``Tensor/grad`` and ``gradients(of:wrt:seed:retainGraph:)`` can ask for them.
///
/// `body` must be deterministic given its inputs. Randomness from the thread's default
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
    // Run once with recording on, to find the tensors `body` captures; the graph (and with it
    // every intermediate) is dropped when this function returns, so only one block's
    // activations are ever alive at a time, as with a recomputation.
    let detached = inputs.map { $0.detach() }
    for (copy, original) in zip(detached, inputs) where original.requiresGrad { copy.requiresGrad = true }
    let traced = body(detached)
    let captured = Checkpointing.capturedTensors(of: traced, excluding: detached)
    let output = traced.detach()
    guard inputs.contains(where: { $0.requiresGrad }) || !captured.isEmpty else { return output }
    // A captured non-leaf leads back into the graph outside `body`, which the outer backward
    // still has to walk: the recomputation must not free it.
    let retainOuter = captured.contains { !$0.isLeaf }
    output.gradFn = GradNode(name: "checkpoint", inputs: inputs + captured) { gradient in
        let savedState = Generator.default.stateWords
        Generator.default.stateWords = rngState
        defer { Generator.default.stateWords = savedState }
        let fresh = inputs.map { $0.detach() }
        for (copy, original) in zip(fresh, inputs) where original.requiresGrad { copy.requiresGrad = true }
        let recomputed = withGradientsEnabled { body(fresh) }
        guard recomputed.requiresGrad else { return [Tensor?](repeating: nil, count: inputs.count + captured.count) }
        let targets = fresh.filter { $0.requiresGrad } + captured
        let grads = gradients(of: recomputed, wrt: targets, seed: gradient, retainGraph: retainOuter)
        var next = grads.makeIterator()
        var result: [Tensor?] = fresh.map { $0.requiresGrad ? next.next() : nil }
        while let g = next.next() { result.append(g) }
        return result
    }
    return output
}

enum Checkpointing {
    /// The tensors requiring grad that `output`'s graph reaches without coming from `excluding`
    /// (the block's own inputs): leaves such as parameters, found by walking back from `output`.
    /// A captured non-leaf is walked through to the leaves it came from, which is correct but
    /// visits the outer graph; blocks normally capture only parameters.
    static func capturedTensors(of output: Tensor, excluding inputs: [Tensor]) -> [Tensor] {
        guard output.requiresGrad else { return [] }
        let excluded = Set(inputs.map(ObjectIdentifier.init))
        var found: [Tensor] = []
        var seen = Set<ObjectIdentifier>()
        var stack = [output]
        while let tensor = stack.popLast() {
            let id = ObjectIdentifier(tensor)
            guard !seen.contains(id), !excluded.contains(id) else { continue }
            seen.insert(id)
            if let node = tensor.gradFn {
                stack.append(contentsOf: node.inputs.filter { $0.requiresGrad })
            } else if tensor.requiresGrad {
                found.append(tensor)
            }
        }
        return found
    }
}
