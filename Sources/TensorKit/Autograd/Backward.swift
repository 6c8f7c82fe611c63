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
    let keys = inputs.map { GradVertex($0).id }
    let captured = Autograd.run(roots: [output], seeds: [seed], capture: Set(keys), retainGraph: retainGraph)
    return zip(inputs, keys).map { input, key in captured[key] ?? Tensor.zeros(input.shape, dtype: input.dtype) }
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

/// The backward engine: one topological sort of the graph's vertices (leaves that require grad,
/// and the nodes that made non-leaf tensors), pruned to what requires grad, then the rules in
/// reverse order.
enum Autograd {
    /// Runs backward from `roots`. With `capture == nil`, leaf gradients accumulate into `.grad`;
    /// otherwise the gradients at the captured vertices (``GradVertex/id`` of the tensors asked
    /// for) are returned and `.grad` is untouched.
    static func run(roots: [Tensor], seeds: [Tensor?], capture: Set<ObjectIdentifier>?,
                    retainGraph: Bool) -> [ObjectIdentifier: Tensor] {
        let order = topologicalOrder(roots.map(GradVertex.init))
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
            accumulate(&pending, GradVertex(root).id, start)
        }
        var captured: [ObjectIdentifier: Tensor] = [:]
        withGradientsDisabled {
            for vertex in order.reversed() {
                let id = vertex.id
                guard let gradient = pending.removeValue(forKey: id) else { continue }
                if let capture {
                    if capture.contains(id) { captured[id] = gradient }
                } else if case .leaf(let tensor) = vertex {
                    if let existing = tensor.grad {
                        tensor.grad = existing + gradient
                    } else {
                        // A copy: the gradient may be a view of the seed or of a saved tensor.
                        tensor.grad = gradient.clone()
                    }
                }
                guard case .node(let node) = vertex else { continue }
                let inputGradients = node.apply(gradient)
                precondition(inputGradients.count == node.edges.count,
                             "backward: rule of '\(node.name)' returned \(inputGradients.count) gradients for \(node.edges.count) inputs")
                for (edge, inputGradient) in zip(node.edges, inputGradients) {
                    guard let target = edge.vertex, let inputGradient else { continue }
                    precondition(inputGradient.shape == edge.shape,
                                 "backward: rule of '\(node.name)' returned gradient of shape \(inputGradient.shape) for an input of shape \(edge.shape)")
                    accumulate(&pending, target.id, inputGradient)
                }
                if !retainGraph { node.release() }
            }
        }
        return captured
    }

    private static func accumulate(_ pending: inout [ObjectIdentifier: Tensor], _ id: ObjectIdentifier, _ gradient: Tensor) {
        if let existing = pending[id] { pending[id] = existing + gradient } else { pending[id] = gradient }
    }

    /// Vertices reachable from `roots`, each after all vertices it depends on. Iterative, so
    /// deep graphs cannot overflow the stack.
    static func topologicalOrder(_ roots: [GradVertex]) -> [GradVertex] {
        var order: [GradVertex] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradVertex, Bool)] = roots.reversed().map { ($0, false) }
        while let (vertex, expanded) = stack.popLast() {
            let id = vertex.id
            if expanded { order.append(vertex); continue }
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((vertex, true))
            if case .node(let node) = vertex {
                if node.isReleased {
                    preconditionFailure("backward: the graph through '\(node.name)' has already been freed by an earlier backward(); pass retainGraph: true to the first call to backward through it twice")
                }
                for edge in node.edges {
                    if let next = edge.vertex, !visited.contains(next.id) { stack.append((next, false)) }
                }
            }
        }
        return order
    }
}
