/// Softmax and log-softmax along an axis: fused, numerically stable forward kernels (the row
/// maximum is subtracted before `exp`) and hand-written fused backward kernels.
///
/// The reduced axis is moved last (a view; copied only when the rows are not contiguous), so
/// every axis runs the same contiguous row kernel. The result of a softmax along an inner axis
/// is therefore a view with the axis order restored, not a contiguous tensor.
extension Tensor {
    /// `exp(x) / Σ exp(x)` along `axis` (the last by default); every slice along `axis` sums to 1.
    ///
    /// Stable for large logits: `Tensor([1000, 1001] as [Float]).softmax()` is `[0.269, 0.731]`.
    /// A slice that is all −∞ gives NaN, as in PyTorch.
    public func softmax(axis: Int = -1) -> Tensor {
        softmaxFamily(axis: axis, log: false, op: "softmax")
    }

    /// `x − log Σ exp(x)` along `axis` (the last by default): the log of ``softmax(axis:)``,
    /// computed without forming the softmax, so it stays finite where the softmax underflows.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        softmaxFamily(axis: axis, log: true, op: "logSoftmax")
    }

    private func softmaxFamily(axis: Int, log: Bool, op: String) -> Tensor {
        precondition(dtype.isFloatingPoint, "\(op): needs a float32 or float64 tensor, got \(dtype) (shape \(shape))")
        if rank == 0 {
            _ = Shape.normalize(axis: axis, rank: 1, op: op)  // a scalar softmaxes as one element
            return reshape([1]).softmaxFamily(axis: 0, log: log, op: op).reshape([])
        }
        let a = Shape.normalize(axis: axis, rank: rank, op: op)
        let source = SoftmaxRows.movingLast(self, [a])
        let n = shape[a]
        let moved: Tensor
        switch dtype {
        case .float32: moved = SoftmaxRows.forward(source, Float.self, rowLength: n, log: log)
        default: moved = SoftmaxRows.forward(source, Double.self, rowLength: n, log: log)
        }
        let out = SoftmaxRows.restoringAxis(moved, a)
        // A detached view: the rule must not hold the output itself (that would be a cycle
        // through its own graph node).
        let saved = out.detach()
        return Tensor.record(op, output: out, inputs: [self]) { g in
            [Tensor.softmaxBackward(output: saved, gradient: g, axis: a, log: log)]
        }
    }

    /// The fused backward kernel on tensors in any layout: rows along `axis` are made contiguous
    /// (free when they already are) and the result is returned in the input's axis order.
    static func softmaxBackward(output: Tensor, gradient: Tensor, axis: Int, log: Bool) -> Tensor {
        let y = SoftmaxRows.movingLast(output, [axis])
        let g = SoftmaxRows.movingLast(gradient, [axis])
        let n = output.shape[axis]
        let moved: Tensor
        switch output.dtype {
        case .float32: moved = SoftmaxRows.backward(output: y, gradient: g, Float.self, rowLength: n, log: log)
        default: moved = SoftmaxRows.backward(output: y, gradient: g, Double.self, rowLength: n, log: log)
        }
        return SoftmaxRows.restoringAxis(moved, axis)
    }
}
