/// Reductions beyond `sum`: mean, max/min (with arg positions), argmax/argmin, variance and
/// log-sum-exp, each with its backward rule.
///
/// Inside `extension Tensor`, the global functions need their module name (`Swift.max(a, b)`),
/// because these methods shadow them.
extension Tensor {
    /// Arithmetic mean over `axes` (all axes when nil), keeping them as length 1 when `keepDims`.
    ///
    /// ```swift
    /// Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]).mean(axes: [-1])   // [1.5, 3.5]
    /// ```
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        requireFloat("mean")
        let count = reducedCount(reducedAxes(axes, op: "mean"))
        return sum(axes: axes, keepDims: keepDims) * (1 / Double(count))
    }

    /// Mean of all elements (rank-0 result).
    public func mean() -> Tensor { mean(axes: nil) }

    /// Largest element over `axes` (all axes when nil). The gradient flows to the first position
    /// holding the maximum; NaN propagates.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(Greatest.self, axes: axes, keepDims: keepDims, op: "max").values
    }

    /// Smallest element over `axes` (all axes when nil). The gradient flows to the first position
    /// holding the minimum; NaN propagates.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(Least.self, axes: axes, keepDims: keepDims, op: "min").values
    }

    /// Largest element along `axis` and its index there (int64; the first on ties), like
    /// `torch.max(x, dim)`.
    ///
    /// ```swift
    /// let (values, indices) = Tensor([3, 7, 7, 1] as [Float], shape: [2, 2]).max(axis: 1)
    /// // values [7, 7], indices [1, 0]
    /// ```
    public func max(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: Tensor) {
        extremum(Greatest.self, axes: [axis], keepDims: keepDims, op: "max")
    }

    /// Smallest element along `axis` and its index there (int64; the first on ties).
    public func min(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: Tensor) {
        extremum(Least.self, axes: [axis], keepDims: keepDims, op: "min")
    }

    /// Index (int64) of the largest element along `axis`, the first on ties; with no axis, the
    /// index into the flattened tensor.
    public func argmax(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        withGradientsDisabled {
            extremum(Greatest.self, axes: axis.map { [$0] }, keepDims: keepDims, op: "argmax").indices
        }
    }

    /// Index (int64) of the smallest element along `axis`, the first on ties; with no axis, the
    /// index into the flattened tensor.
    public func argmin(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        withGradientsDisabled {
            extremum(Least.self, axes: axis.map { [$0] }, keepDims: keepDims, op: "argmin").indices
        }
    }

    /// Variance over `axes` (all when nil): `Σ (x − mean)² / (N − correction)`, as `torch.var`.
    /// `correction: 1` (the default) is the unbiased estimate, `0` the population variance.
    /// When `N − correction ≤ 0` the result is NaN or infinity, as in PyTorch.
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 1) -> Tensor {
        requireFloat("variance")
        let reduced = reducedAxes(axes, op: "variance")
        let kept = keptShape(reducing: reduced)
        let divisor = Double(Swift.max(reducedCount(reduced) - correction, 0))
        // Two passes (mean, then squared deviations) stay accurate when the mean is large.
        let out = withGradientsDisabled {
            let centered = self - mean(axes: axes, keepDims: true)
            return (centered * centered).sum(axes: axes, keepDims: keepDims) / divisor
        }
        return Tensor.record("variance", output: out, inputs: [self]) { g in
            // Recomputed rather than saved: no input-sized tensor lives until backward, and the
            // rule stays a function of the input (differentiable again if ever needed).
            let centered = self - self.mean(axes: axes, keepDims: true)
            return [centered * g.reshape(kept) * (2 / divisor)]
        }
    }

    /// `log Σ exp(x)` over `axes` (all when nil), computed stably (the maximum is subtracted
    /// first), so `[1000, 1000]` gives `1000.693…` rather than infinity. An empty or all −∞
    /// slice gives −∞.
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        requireFloat("logSumExp")
        let reduced = reducedAxes(axes, op: "logSumExp")
        let kept = keptShape(reducing: reduced)
        let rowLength = reducedCount(reduced)
        let source = contiguousWithAxesLast(reduced.sorted())
        let out = Tensor(uninitializedShape: kept, dtype: dtype)
        func run<T: FloatingScalar>(_ t: T.Type) {
            SoftmaxRows.logSumExp(source.pointer(as: T.self), into: out.pointer(as: T.self), rows: out.count,
                                  rowLength: rowLength)
        }
        switch dtype {
        case .float32: run(Float.self)
        default: run(Double.self)
        }
        let result = out.view(Layout(shape: reducedShape(reduced, keepDims: keepDims)))
        return Tensor.record("logSumExp", output: result, inputs: [self]) { g in
            // d lse / dx = exp(x − lse): the softmax over the reduced axes.
            [FloatMap.binary(self, out, op: "logSumExp backward", ExpOfDifference()) * g.reshape(kept)]
        }
    }

    // MARK: Shared machinery

    func requireFloat(_ op: String) {
        precondition(dtype.isFloatingPoint, "\(op): needs a float32 or float64 tensor, got \(dtype) (shape \(shape))")
    }

    /// Max or min over `axes`, recording the gradient rule for the values; the positions are
    /// int64 indices into the reduced axes (row-major over them, the first on ties).
    private func extremum<Order: ExtremumOrder>(_ order: Order.Type, axes: [Int]?, keepDims: Bool,
                                                op: String) -> (values: Tensor, indices: Tensor) {
        requireFloat(op)
        let reduced = reducedAxes(axes, op: op)
        let kept = keptShape(reducing: reduced)
        precondition(reducedCount(reduced) > 0 || kept.contains(0),
                     "\(op): cannot reduce over an empty axis (shape \(shape), axes \(axes.map { "\($0)" } ?? "all"))")
        let values = Tensor(uninitializedShape: kept, dtype: dtype)
        let positions = Tensor(uninitializedShape: kept, dtype: .int64)
        func run<T: FloatingScalar>(_ t: T.Type) {
            Reduction.extremum(UnsafePointer(storage.pointer.assumingMemoryBound(to: T.self)), layout, order,
                               reduced: reduced, values: values.pointer(as: T.self),
                               positions: positions.pointer(as: Int64.self), count: values.count)
        }
        switch dtype {
        case .float32: run(Float.self)
        default: run(Double.self)
        }
        let resultShape = reducedShape(reduced, keepDims: keepDims)
        let result = values.view(Layout(shape: resultShape))
        let inputShape = shape
        let recorded = Tensor.record(op, output: result, inputs: [self]) { g in
            let mask = Tensor.positionMask(shape: inputShape, reduced: reduced.sorted(), positions: positions,
                                           dtype: g.dtype)
            return [mask * g.reshape(kept)]
        }
        return (recorded, positions.view(Layout(shape: resultShape)))
    }

    /// A tensor of `shape` that is 1 where `positions` (of the kept shape, indices into the
    /// `reduced` axes row-major) point and 0 elsewhere: routes a max/min gradient to its source.
    private static func positionMask(shape: [Int], reduced: [Int], positions: Tensor, dtype: DType) -> Tensor {
        let mask = Tensor.zeros(shape, dtype: dtype)
        let strides = Layout.contiguousStrides(for: shape)
        var keptShape = shape
        for axis in reduced { keptShape[axis] = 1 }
        let pp = positions.pointer(as: Int64.self)
        for o in 0..<positions.count {
            var flat = 0, remainder = o
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                flat += (remainder % keptShape[axis]) * strides[axis]
                remainder /= keptShape[axis]
            }
            var position = Int(pp[o])
            for axis in reduced.reversed() {
                flat += (position % shape[axis]) * strides[axis]
                position /= shape[axis]
            }
            mask.setElement(at: flat, to: 1)
        }
        return mask
    }
}

/// `exp(a − b)`: the log-sum-exp gradient in one pass.
private struct ExpOfDifference: BinaryFloatFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { T.exp(a - b) }
}
