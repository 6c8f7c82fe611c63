/// One recorded op in the define-by-run graph: its inputs and the rule that maps the gradient of
/// its output to the gradients of its inputs.
///
/// The rule closure holds whatever the op saved for backward; it is dropped after backward has
/// used it (unless the graph is retained), which frees those intermediates early.
public final class GradNode {
    /// Name of the op, for error messages and debugging (`"matmul"`, `"add"`, ...).
    public let name: String
    /// The op's tensor inputs, in the order the rule returns their gradients.
    internal private(set) var inputs: [Tensor]
    private var rule: ((Tensor) -> [Tensor?])?

    init(name: String, inputs: [Tensor], rule: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.rule = rule
    }

    /// Applies the backward rule. Stops when the graph was already freed by an earlier backward.
    func apply(_ gradient: Tensor) -> [Tensor?] {
        guard let rule else {
            preconditionFailure("backward: the graph through '\(name)' has already been freed by an earlier backward(); pass retainGraph: true to the first call to backward through it twice")
        }
        return rule(gradient)
    }

    /// Drops saved intermediates and inputs.
    func release() {
        rule = nil
        inputs = []
    }

    var isReleased: Bool { rule == nil }
}

@available(*, unavailable)
extension GradNode: Sendable {}

extension Tensor {
    /// Attaches a graph node to `output` when grad mode is on and any input requires grad, and
    /// returns `output`. Every differentiable op calls this right after computing its forward.
    ///
    /// `rule` receives the gradient of `output` and returns one gradient per input (nil for an
    /// input that needs none), each with that input's shape.
    @discardableResult
    public static func record(_ name: String, output: Tensor, inputs: [Tensor],
                              rule: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.gradFn = GradNode(name: name, inputs: inputs, rule: rule)
        return output
    }
}
