/// One recorded op in the define-by-run graph: its inputs and the rule that maps the gradient of
/// its output to the gradients of its inputs.
///
/// The rule closure holds whatever the op saved for backward; it is dropped after backward has
/// used it (unless the graph is retained), which frees those intermediates early.
public final class GradNode {
    /// Name of the op, for error messages and debugging (`"matmul"`, `"add"`, ...).
    public let name: String
    /// Where the op's inputs came from, in the order the rule returns their gradients.
    internal private(set) var edges: [GradEdge]
    private var rule: ((Tensor) -> [Tensor?])?

    init(name: String, inputs: [Tensor], rule: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.edges = inputs.map(GradEdge.init)
        self.rule = rule
    }

    /// Applies the backward rule. Stops when the graph was already freed by an earlier backward.
    func apply(_ gradient: Tensor) -> [Tensor?] {
        guard let rule else {
            preconditionFailure("backward: the graph through '\(name)' has already been freed by an earlier backward(); pass retainGraph: true to the first call to backward through it twice")
        }
        return rule(gradient)
    }

    /// Drops saved intermediates and edges.
    func release() {
        rule = nil
        edges = []
    }

    var isReleased: Bool { rule == nil }
}

/// One input of a recorded op, as backward needs it. The graph holds the *node* that made a
/// non-leaf input, not the tensor: an intermediate that no rule saved (the input of an add or of
/// dropout, say) is freed as soon as the forward moves on, as in PyTorch, instead of living until
/// backward. Leaves that require grad are held, since backward writes their ``Tensor/grad``.
struct GradEdge {
    /// A leaf input that requires grad.
    let leaf: Tensor?
    /// The node that produced a non-leaf input.
    let node: GradNode?
    /// The input's shape, to check the gradient the rule returns.
    let shape: [Int]
    /// The input itself, while something else keeps it alive (checkpointing looks for tensors
    /// made outside a block this way).
    weak var tensor: Tensor?

    init(_ input: Tensor) {
        if let node = input.gradFn {
            (self.node, leaf) = (node, nil)
        } else {
            (self.node, leaf) = (nil, input.requiresGrad ? input : nil)
        }
        shape = input.shape
        tensor = input
    }

    /// Where backward continues, or nil for an input that needs no gradient.
    var vertex: GradVertex? {
        if let node { return .node(node) }
        if let leaf { return .leaf(leaf) }
        return nil
    }
}

/// A place gradients collect in backward: a leaf tensor, or the node that made a non-leaf one.
enum GradVertex {
    case leaf(Tensor)
    case node(GradNode)

    /// The vertex a tensor's gradient collects at.
    init(_ tensor: Tensor) {
        self = tensor.gradFn.map(GradVertex.node) ?? .leaf(tensor)
    }

    var id: ObjectIdentifier {
        switch self {
        case .leaf(let tensor): ObjectIdentifier(tensor)
        case .node(let node): ObjectIdentifier(node)
        }
    }
}

@available(*, unavailable)
extension GradNode: Sendable {}

extension Tensor {
    /// Attaches a graph node to `output` when grad mode is on and any input requires grad, and
    /// returns `output`. Every differentiable op calls this right after computing its forward.
    ///
    /// `rule` receives the gradient of `output` and returns one gradient per input (nil for an
    /// input that needs none), each with that input's shape. Whatever `rule` captures lives
    /// until the backward, so it should capture only what its gradients read given which inputs
    /// require grad now: their flags and shapes rather than the inputs, and an operand only when
    /// another input's gradient reads it (a frozen weight's input is then freed after the forward).
    @discardableResult
    public static func record(_ name: String, output: Tensor, inputs: [Tensor],
                              rule: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.gradFn = GradNode(name: name, inputs: inputs, rule: rule)
        return output
    }
}
