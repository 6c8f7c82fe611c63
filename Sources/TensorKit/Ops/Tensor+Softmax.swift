/// Softmax and log-softmax along an axis: fused, numerically stable forward kernels (the
/// maximum is subtracted before `exp`) and hand-written fused backward kernels.
///
/// When the elements along the axis are adjacent (the last axis of a contiguous tensor, or a
/// transposed view whose axis has stride 1) the row kernel runs on them in place, and the result
/// has the input's axis order as a view. Otherwise the column kernel runs along the fast axis of
/// a contiguous tensor (copying the input first only if it is not contiguous) and the result is
/// contiguous.
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
        let n = shape[a], inner = shape[(a + 1)...].reduce(1, *), outer = shape[..<a].reduce(1, *)
        let moved = SoftmaxRows.movedView(self, [a])
        let out: Tensor
        if moved.isContiguous {
            let rows = switch dtype {
            case .float32: SoftmaxRows.forward(moved, Float.self, rowLength: n, log: log)
            default: SoftmaxRows.forward(moved, Double.self, rowLength: n, log: log)
            }
            out = SoftmaxRows.restoringAxis(rows, a)
        } else {
            let source = isContiguous ? self : self.contiguousCopy()
            out = switch dtype {
            case .float32: SoftmaxColumns.forward(source, Float.self, outer: outer, n: n, inner: inner, log: log)
            default: SoftmaxColumns.forward(source, Double.self, outer: outer, n: n, inner: inner, log: log)
            }
        }
        // A detached view: the rule must not hold the output itself (that would be a cycle
        // through its own graph node).
        let saved = out.detach()
        return Tensor.record(op, output: out, inputs: [self]) { g in
            [Tensor.softmaxBackward(output: saved, gradient: g, axis: a, log: log)]
        }
    }

    /// The fused backward kernel, in the layout the forward produced: rows when the output's
    /// elements along `axis` are adjacent, columns of a contiguous output otherwise. The gradient
    /// is copied to match only when its layout differs (e.g. a broadcast gradient from `sum`).
    static func softmaxBackward(output: Tensor, gradient: Tensor, axis: Int, log: Bool) -> Tensor {
        let shape = output.shape
        let n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
        let movedOutput = SoftmaxRows.movedView(output, [axis])
        if movedOutput.isContiguous || !output.isContiguous {
            let y = movedOutput.isContiguous ? movedOutput : movedOutput.contiguousCopy()
            let g = SoftmaxRows.movingLast(gradient, [axis])
            let rows = switch output.dtype {
            case .float32: SoftmaxRows.backward(output: y, gradient: g, Float.self, rowLength: n, log: log)
            default: SoftmaxRows.backward(output: y, gradient: g, Double.self, rowLength: n, log: log)
            }
            return SoftmaxRows.restoringAxis(rows, axis)
        }
        let g = gradient.isContiguous ? gradient : gradient.contiguousCopy()
        return switch output.dtype {
        case .float32:
            SoftmaxColumns.backward(output: output, gradient: g, Float.self, outer: outer, n: n, inner: inner, log: log)
        default:
            SoftmaxColumns.backward(output: output, gradient: g, Double.self, outer: outer, n: n, inner: inner, log: log)
        }
    }
}
