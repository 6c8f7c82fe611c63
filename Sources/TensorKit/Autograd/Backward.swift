extension Tensor {
    /// Computes gradients of this tensor with respect to every leaf that requires grad, adding
    /// them into each leaf's ``grad`` (they accumulate across calls until zeroed).
    ///
    /// - Parameters:
    ///   - seed: the gradient of some scalar with respect to this tensor; required unless this
    ///     tensor holds a single element (then it is 1).
    ///   - retainGraph: keep the graph so backward can run through it again.
    public func backward(_ seed: Tensor? = nil, retainGraph: Bool = false) {
        precondition(requiresGrad, "backward: the tensor (shape \(shape)) does not require grad; nothing in its graph requires gradients")
        _ = Autograd.run(roots: [self], seeds: [seed], capture: nil, retainGraph: retainGraph)
    }

    /// Clears ``grad``.
    public func zeroGrad() { grad = nil }
}

/// Computes the gradients of `output` with respect to `inputs` and returns them (in order)
/// without touching any tensor's ``Tensor/grad``. A gradient is zeros when `output` does not
/// depend on that input.
public func gradients(of output: Tensor, wrt inputs: [Tensor], seed: Tensor? = nil,
                      retainGraph: Bool = false) -> [Tensor] {
    precondition(output.requiresGrad, "gradients(of:wrt:): the output (shape \(output.shape)) does not require grad")
    let captured = Autograd.run(roots: [output], seeds: [seed],
                                capture: Set(inputs.map(ObjectIdentifier.init)), retainGraph: retainGraph)
    return inputs.map { captured[ObjectIdentifier($0)] ?? Tensor.zeros($0.shape, dtype: $0.dtype) }
}

/// Evaluates `function` at `inputs` and returns its (scalar) value with its gradients with
/// respect to each input. The inputs are used as they are; they need not require grad.
public func valueWithGradients(at inputs: [Tensor], of function: ([Tensor]) -> Tensor) -> (value: Tensor, gradients: [Tensor]) {
    let tracked = inputs.map { $0.detach().requiringGrad() }
    let value = withGradientsEnabled { function(tracked) }
    guard value.requiresGrad else {
        return (value, inputs.map { Tensor.zeros($0.shape, dtype: $0.dtype) })
    }
    return (value.detach(), gradients(of: value, wrt: tracked))
}

extension Tensor {
    /// A tensor sharing this one's storage but cut off from the graph.
    public func detach() -> Tensor { view(layout) }

    /// Marks this (leaf) tensor as requiring gradients and returns it, for chaining.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }
}

/// The backward engine: one topological sort pruned to tensors that require grad, then the
/// rules in reverse order.
enum Autograd {
    /// Runs backward from `roots`. With `capture == nil`, leaf gradients accumulate into `.grad`;
    /// otherwise the gradients of the captured tensors are returned and `.grad` is untouched.
    static func run(roots: [Tensor], seeds: [Tensor?], capture: Set<ObjectIdentifier>?,
                    retainGraph: Bool) -> [ObjectIdentifier: Tensor] {
        let order = topologicalOrder(roots)
        var pending: [ObjectIdentifier: Tensor] = [:]
        for (root, seed) in zip(roots, seeds) {
            let start: Tensor
            if let seed {
                precondition(seed.shape == root.shape, "backward: seed gradient shape \(seed.shape) does not match tensor shape \(root.shape)")
                start = seed
            } else {
                precondition(root.count == 1, "backward: the tensor has shape \(root.shape); a non-scalar needs a seed gradient (backward(seed))")
                start = Tensor.ones(root.shape, dtype: root.dtype)
            }
            accumulate(&pending, ObjectIdentifier(root), start)
        }
        var captured: [ObjectIdentifier: Tensor] = [:]
        withGradientsDisabled {
            for tensor in order.reversed() {
                let id = ObjectIdentifier(tensor)
                guard let gradient = pending.removeValue(forKey: id) else { continue }
                if let capture {
                    if capture.contains(id) { captured[id] = gradient }
                } else if tensor.isLeaf {
                    if let existing = tensor.grad {
                        tensor.grad = existing + gradient
                    } else {
                        // A copy: the gradient may be a view of the seed or of a saved tensor.
                        tensor.grad = gradient.clone()
                    }
                }
                guard let node = tensor.gradFn else { continue }
                let inputGradients = node.apply(gradient)
                precondition(inputGradients.count == node.inputs.count,
                             "backward: rule of '\(node.name)' returned \(inputGradients.count) gradients for \(node.inputs.count) inputs")
                for (input, inputGradient) in zip(node.inputs, inputGradients) {
                    guard input.requiresGrad, let inputGradient else { continue }
                    precondition(inputGradient.shape == input.shape,
                                 "backward: rule of '\(node.name)' returned gradient of shape \(inputGradient.shape) for an input of shape \(input.shape)")
                    accumulate(&pending, ObjectIdentifier(input), inputGradient)
                }
                if !retainGraph { node.release() }
            }
        }
        return captured
    }

    private static func accumulate(_ pending: inout [ObjectIdentifier: Tensor], _ id: ObjectIdentifier, _ gradient: Tensor) {
        if let existing = pending[id] { pending[id] = existing + gradient } else { pending[id] = gradient }
    }

    /// Tensors reachable from `roots` through nodes, each after all tensors it depends on.
    /// Iterative, so deep graphs cannot overflow the stack.
    static func topologicalOrder(_ roots: [Tensor]) -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = roots.reversed().map { ($0, false) }
        while let (tensor, expanded) = stack.popLast() {
            let id = ObjectIdentifier(tensor)
            if expanded { order.append(tensor); continue }
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((tensor, true))
            if let node = tensor.gradFn {
                if node.isReleased {
                    preconditionFailure("backward: the graph through '\(node.name)' has already been freed by an earlier backward(); pass retainGraph: true to the first call to backward through it twice")
                }
                for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        return order
    }
}
