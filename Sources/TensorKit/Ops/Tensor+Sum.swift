/// Summation over axes, and `sum(toShape:)`, which undoes broadcasting in backward rules.
extension Tensor {
    /// Sum over `axes` (all axes when nil), keeping them as length 1 when `keepDims`.
    /// Negative axes count from the end; a repeated axis counts once.
    ///
    /// ```swift
    /// let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    /// x.sum(axes: [1])                  // [6, 15]
    /// x.sum(axes: [0], keepDims: true)  // [[5, 7, 9]]
    /// ```
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let reduced = reducedAxes(axes, op: "sum")
        let keptShape = keptShape(reducing: reduced)
        let out = Tensor(uninitializedShape: keptShape, dtype: dtype)
        func run<T: FloatingScalar>(_ t: T.Type) {
            Reduction.sum(UnsafePointer(storage.pointer.assumingMemoryBound(to: T.self)), layout, reduced: reduced,
                          into: out.pointer(as: T.self))
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: preconditionFailure("sum: needs a float32 or float64 tensor, got \(dtype) (shape \(shape))")
        }
        let result = out.view(Layout(shape: reducedShape(reduced, keepDims: keepDims)))
        let inputShape = shape
        return Tensor.record("sum", output: result, inputs: [self]) { g in
            [g.reshape(keptShape).expand(to: inputShape)]
        }
    }

    /// Sum over all elements (rank-0 result).
    public func sum() -> Tensor { sum(axes: nil) }

    /// Sums a broadcast result back to `target` (the shape of an operand before broadcasting).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "sum(toShape:): cannot reduce shape \(shape) to \(target)")
        var axes = Array(0..<lead)
        for (i, extent) in target.enumerated() where extent == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        return sum(axes: axes, keepDims: true).reshape(target)
    }

    // MARK: Axis bookkeeping shared by the reductions

    /// The normalised set of axes a reduction folds (every axis when `axes` is nil).
    func reducedAxes(_ axes: [Int]?, op: String) -> Set<Int> {
        Set((axes ?? Array(0..<rank)).map { Shape.normalize(axis: $0, rank: rank, op: op) })
    }

    /// This tensor's shape with the reduced axes set to 1 (the `keepDims` shape).
    func keptShape(reducing reduced: Set<Int>) -> [Int] {
        var result = shape
        for axis in reduced where axis < rank { result[axis] = 1 }
        return result
    }

    /// The shape of a reduction's result.
    func reducedShape(_ reduced: Set<Int>, keepDims: Bool) -> [Int] {
        keepDims ? keptShape(reducing: reduced) : shape.indices.filter { !reduced.contains($0) }.map { shape[$0] }
    }

    /// Number of elements folded into each result element.
    func reducedCount(_ reduced: Set<Int>) -> Int {
        reduced.filter { $0 < rank }.reduce(1) { $0 * shape[$1] }
    }
}
