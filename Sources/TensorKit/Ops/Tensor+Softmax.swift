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
        let moved = viewWithAxesLast([a])
        let out: Tensor
        if moved.isContiguous {
            let rows = Tensor(uninitializedShape: moved.shape, dtype: dtype)
            func run<T: FloatingScalar>(_ t: T.Type) {
                SoftmaxRows.forward(moved.pointer(as: T.self), into: rows.pointer(as: T.self), rows: n == 0 ? 0 : outer * inner,
                                    rowLength: n, log: log)
            }
            switch dtype {
            case .float32: run(Float.self)
            default: run(Double.self)
            }
            out = rows.restoringAxis(a)
        } else {
            let source = isContiguous ? self : self.contiguousCopy()
            out = Tensor(uninitializedShape: shape, dtype: dtype)
            func run<T: FloatingScalar>(_ t: T.Type) {
                SoftmaxColumns.forward(source.pointer(as: T.self), into: out.pointer(as: T.self), outer: outer, n: n,
                                       inner: inner, log: log)
            }
            switch dtype {
            case .float32: run(Float.self)
            default: run(Double.self)
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
        let movedOutput = output.viewWithAxesLast([axis])
        let byRows = movedOutput.isContiguous || !output.isContiguous
        let result = Tensor(uninitializedShape: byRows ? movedOutput.shape : shape, dtype: output.dtype)
        if byRows {
            let y = movedOutput.isContiguous ? movedOutput : movedOutput.contiguousCopy()
            let g = gradient.contiguousWithAxesLast([axis])
            func run<T: FloatingScalar>(_ t: T.Type) {
                SoftmaxRows.backward(output: y.pointer(as: T.self), gradient: g.pointer(as: T.self),
                                     into: result.pointer(as: T.self), rows: n == 0 ? 0 : outer * inner, rowLength: n, log: log)
            }
            switch output.dtype {
            case .float32: run(Float.self)
            default: run(Double.self)
            }
            return result.restoringAxis(axis)
        }
        let g = gradient.isContiguous ? gradient : gradient.contiguousCopy()
        func run<T: FloatingScalar>(_ t: T.Type) {
            SoftmaxColumns.backward(output: output.pointer(as: T.self), gradient: g.pointer(as: T.self),
                                    into: result.pointer(as: T.self), outer: outer, n: n, inner: inner, log: log)
        }
        switch output.dtype {
        case .float32: run(Float.self)
        default: run(Double.self)
        }
        return result
    }
}

/// Views with the reduced axes last, shared by the softmax family and `logSumExp`: their row
/// kernels run over contiguous rows.
extension Tensor {
    /// This tensor viewed with `axes` moved last (the others keep their order). Copies nothing.
    func viewWithAxesLast(_ axes: [Int]) -> Tensor { view(layout.movingAxesLast(axes)) }

    /// ``viewWithAxesLast(_:)``, made contiguous when that view is not. Records no graph.
    func contiguousWithAxesLast(_ axes: [Int]) -> Tensor {
        let moved = viewWithAxesLast(axes)
        return moved.isContiguous ? moved : moved.contiguousCopy()
    }

    /// This tensor (whose `axis` was moved last) viewed back in the original axis order.
    func restoringAxis(_ axis: Int) -> Tensor {
        if axis == rank - 1 { return self }
        var order = Array(0..<(rank - 1))
        order.insert(rank - 1, at: axis)
        return view(layout.permuted(order))
    }
}
