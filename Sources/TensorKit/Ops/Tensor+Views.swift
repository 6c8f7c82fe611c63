/// Views: new layouts over the same storage, each with its backward rule. They copy nothing
/// (except `reshape` of a layout that cannot be viewed, which copies like PyTorch).
extension Tensor {
    /// This tensor with `newShape` (one entry may be -1, inferred). A view when the strides
    /// allow it, otherwise a contiguous copy.
    public func reshape(_ newShape: [Int]) -> Tensor {
        let resolved = resolveShape(newShape, op: "reshape")
        let inputShape = shape
        let out: Tensor
        if let reshaped = layout.reshaped(resolved) {
            out = view(reshaped)
        } else {
            let copy = self.contiguousCopy()
            out = copy.view(Layout(shape: resolved, offset: 0))
        }
        return Tensor.record("reshape", output: out, inputs: [self]) { [$0.reshape(inputShape)] }
    }

    /// Like ``reshape(_:)`` with the shape given inline.
    public func reshape(_ newShape: Int...) -> Tensor { reshape(newShape) }

    /// Collapses everything into one axis.
    public func flattened() -> Tensor { reshape([-1]) }

    private func resolveShape(_ requested: [Int], op: String) -> [Int] {
        var result = requested
        let inferred = requested.indices.filter { requested[$0] == -1 }
        precondition(inferred.count <= 1, "\(op): at most one -1 allowed in \(requested)")
        precondition(requested.allSatisfy { $0 >= -1 }, "\(op): invalid shape \(requested)")
        let known = requested.filter { $0 != -1 }.reduce(1, *)
        if let axis = inferred.first {
            precondition(known != 0 && count % known == 0,
                         "\(op): cannot reshape tensor of shape \(shape) (\(count) elements) into \(requested)")
            result[axis] = count / known
        }
        precondition(result.reduce(1, *) == count,
                     "\(op): cannot reshape tensor of shape \(shape) (\(count) elements) into \(requested)")
        return result
    }

    /// Reorders axes: axis `i` of the result is axis `axes[i]` of this tensor.
    public func permute(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank, "permute: \(axes) does not name every axis of a tensor of shape \(shape)")
        let resolved = axes.map { Shape.normalize(axis: $0, rank: rank, op: "permute") }
        precondition(Set(resolved).count == rank, "permute: \(axes) repeats an axis (shape \(shape))")
        let out = view(layout.permuted(resolved))
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in resolved.enumerated() { inverse[axis] = i }
        return Tensor.record("permute", output: out, inputs: [self]) { [$0.permute(inverse)] }
    }

    /// Like ``permute(_:)`` with the axes given inline.
    public func permute(_ axes: Int...) -> Tensor { permute(axes) }

    /// Swaps two axes.
    public func transposed(_ axis0: Int, _ axis1: Int) -> Tensor {
        let a = Shape.normalize(axis: axis0, rank: rank, op: "transpose")
        let b = Shape.normalize(axis: axis1, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return permute(order)
    }

    /// Swaps the last two axes (the matrix transpose, `mT` in PyTorch).
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed: needs rank >= 2, got shape \(shape)")
        return transposed(-2, -1)
    }

    /// Inserts an axis of length 1 at `axis` (negative counts from the end of the result).
    public func unsqueezed(axis: Int) -> Tensor {
        let position = Shape.normalize(axis: axis, rank: rank + 1, op: "unsqueeze")
        let inputShape = shape
        let out = view(layout.inserting(axisAt: position))
        return Tensor.record("unsqueeze", output: out, inputs: [self]) { [$0.reshape(inputShape)] }
    }

    /// Removes `axis`, which must have length 1; with no axis, removes every length-1 axis.
    public func squeezed(axis: Int? = nil) -> Tensor {
        var keep = Array(0..<rank)
        if let axis {
            let a = Shape.normalize(axis: axis, rank: rank, op: "squeeze")
            precondition(shape[a] == 1, "squeeze: axis \(axis) has length \(shape[a]) in shape \(shape), not 1")
            keep.remove(at: a)
        } else {
            keep = keep.filter { shape[$0] != 1 }
        }
        let inputShape = shape
        let out = view(layout.keeping(axes: keep))
        return Tensor.record("squeeze", output: out, inputs: [self]) { [$0.reshape(inputShape)] }
    }

    /// This tensor repeated (with stride 0, no copy) to `newShape` by NumPy broadcasting rules.
    public func expand(to newShape: [Int]) -> Tensor {
        precondition(Shape.broadcast(shape, newShape) == newShape,
                     "expand: shape \(shape) cannot be broadcast to \(newShape)")
        if newShape == shape { return self }
        let inputShape = shape
        let out = view(layout.expanded(to: newShape))
        return Tensor.record("expand", output: out, inputs: [self]) { [$0.sum(toShape: inputShape)] }
    }

    /// Elements `range` (stepping by `step`) along `axis`, as a view.
    ///
    /// ```swift
    /// x.slice(axis: 1, 0..<6, step: 2)   // columns 0, 2, 4
    /// ```
    public func slice(axis: Int, _ range: Range<Int>, step: Int = 1) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "slice")
        precondition(step > 0, "slice: step must be positive, got \(step)")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "slice: range \(range) is out of bounds for axis \(axis) of length \(shape[a]) (shape \(shape))")
        let out = view(layout.narrowed(axis: a, range, step: step))
        let inputShape = shape
        return Tensor.record("slice", output: out, inputs: [self]) { gradient in
            let full = Tensor.zeros(inputShape, dtype: gradient.dtype)
            full.slice(axis: a, range, step: step).assign(gradient)
            return [full]
        }
    }

    /// Like ``slice(axis:_:step:)`` with a closed range.
    public func slice(axis: Int, _ range: ClosedRange<Int>, step: Int = 1) -> Tensor {
        slice(axis: axis, range.lowerBound..<(range.upperBound + 1), step: step)
    }

    /// The sub-tensor at `index` along `axis`, with that axis removed (a view).
    public func select(axis: Int, index: Int) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "select")
        let i = index < 0 ? index + shape[a] : index
        precondition(i >= 0 && i < shape[a], "select: index \(index) is out of bounds for axis \(axis) of length \(shape[a])")
        return slice(axis: a, i..<(i + 1)).squeezed(axis: a)
    }

    /// Indexes the first axis: `x[2]` is `x.select(axis: 0, index: 2)`.
    public subscript(index: Int) -> Tensor { select(axis: 0, index: index) }

    /// Slices the first axis: `x[1..<3]`.
    public subscript(range: Range<Int>) -> Tensor { slice(axis: 0, range) }
}
