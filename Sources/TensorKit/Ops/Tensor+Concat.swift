/// Joining and splitting along an axis: `concat`, `stack`, `split`, `chunk`.
///
/// `concat` copies into a new tensor and its backward hands each input its slice of the gradient.
/// `split` and `chunk` return views made by `slice`, so their gradients come from slice's rule.
extension Tensor {
    /// Joins `tensors` along an existing `axis`, like `torch.cat`. All must share dtype and rank,
    /// and extents on every other axis.
    ///
    /// ```swift
    /// let a = Tensor([1, 2] as [Float], shape: [1, 2]), b = Tensor([3, 4, 5, 6] as [Float], shape: [2, 2])
    /// Tensor.concat([a, b], axis: 0)   // shape [3, 2]: [[1, 2], [3, 4], [5, 6]]
    /// ```
    ///
    /// Works for every dtype (the copy moves bytes); inputs may be non-contiguous.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concat: needs at least one tensor")
        let first = tensors[0]
        precondition(first.rank >= 1, "concat: cannot concatenate rank-0 tensors; use stack")
        let a = Shape.normalize(axis: axis, rank: first.rank, op: "concat")
        var outShape = first.shape
        outShape[a] = 0
        for t in tensors {
            precondition(t.dtype == first.dtype, "concat: dtypes \(first.dtype) and \(t.dtype) differ (shapes \(first.shape) and \(t.shape))")
            var matches = t.rank == first.rank
            if matches { for d in 0..<t.rank where d != a && t.shape[d] != first.shape[d] { matches = false } }
            precondition(matches, "concat: shapes \(first.shape) and \(t.shape) do not match outside axis \(axis)")
            outShape[a] += t.shape[a]
        }
        let out = Tensor(uninitializedShape: outShape, dtype: first.dtype)
        var bounds: [Range<Int>] = []
        var start = 0
        for t in tensors {
            let range = start..<(start + t.shape[a])
            out.view(out.layout.narrowed(axis: a, range)).assign(t)
            bounds.append(range)
            start = range.upperBound
        }
        // Flags, not the inputs: the parts are freed once the forward no longer needs them.
        let needed = tensors.map(\.requiresGrad)
        return Tensor.record("concat", output: out, inputs: tensors) { g in
            zip(needed, bounds).map { need, range in need ? g.slice(axis: a, range) : nil }
        }
    }

    /// Joins same-shaped `tensors` along a new `axis` (of length `tensors.count`), like
    /// `torch.stack`. `axis` may be negative, counting from the end of the result.
    ///
    /// ```swift
    /// Tensor.stack([x, y], axis: 0)   // two [3] vectors → shape [2, 3]
    /// ```
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: needs at least one tensor")
        let first = tensors[0]
        let a = Shape.normalize(axis: axis, rank: first.rank + 1, op: "stack")
        for t in tensors {
            precondition(t.shape == first.shape, "stack: shapes \(first.shape) and \(t.shape) differ")
        }
        return concat(tensors.map { $0.unsqueezed(axis: a) }, axis: a)
    }

    /// Views of consecutive pieces along `axis` with the given `sizes` (which must add up to
    /// the axis length), like `torch.split` with a list.
    ///
    /// ```swift
    /// let parts = x.split(sizes: [2, 1], axis: 0)   // x has 3 rows: rows 0..<2 and row 2
    /// ```
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let a = Shape.normalize(axis: axis, rank: rank, op: "split")
        precondition(sizes.allSatisfy { $0 >= 0 }, "split: sizes \(sizes) must not be negative")
        precondition(sizes.reduce(0, +) == shape[a],
                     "split: sizes \(sizes) add up to \(sizes.reduce(0, +)), not the length \(shape[a]) of axis \(axis) (shape \(shape))")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: a, start..<(start + size))
        }
    }

    /// Views of pieces of `size` along `axis` (the last may be shorter), like `torch.split` with
    /// an integer.
    public func split(size: Int, axis: Int = 0) -> [Tensor] {
        let a = Shape.normalize(axis: axis, rank: rank, op: "split")
        precondition(size > 0, "split: size must be positive, got \(size)")
        let length = shape[a]
        if length == 0 { return [slice(axis: a, 0..<0)] }
        return stride(from: 0, to: length, by: size).map { slice(axis: a, $0..<Swift.min($0 + size, length)) }
    }

    /// Up to `count` views of equal size along `axis` (the last may be smaller), like
    /// `torch.chunk`: pieces have `ceil(length / count)` entries, so fewer than `count` may come back.
    public func chunk(_ count: Int, axis: Int = 0) -> [Tensor] {
        precondition(count > 0, "chunk: count must be positive, got \(count)")
        let a = Shape.normalize(axis: axis, rank: rank, op: "chunk")
        let size = Swift.max(1, (shape[a] + count - 1) / count)
        return split(size: size, axis: a)
    }
}
