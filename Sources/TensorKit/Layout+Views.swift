/// The view algebra: each view of a tensor is one of these layouts over the same storage.
///
/// They check nothing; the tensor ops that call them validate axes and ranges and name the op
/// in their messages (``Tensor/permute(_:)``, ``Tensor/slice(axis:_:step:)``, ...).
extension Layout {
    /// Strides that read this layout as if expanded to `shape` by NumPy broadcasting (0 on the
    /// axes it is repeated along, including leading axes it does not have).
    public func broadcastStrides(to shape: [Int]) -> [Int] {
        let lead = shape.count - rank
        var result = [Int](repeating: 0, count: shape.count)
        for axis in 0..<rank where self.shape[axis] != 1 || shape[axis + lead] == 1 {
            result[axis + lead] = strides[axis]
        }
        return result
    }

    /// This layout repeated to `shape` with stride 0 (no copy).
    public func expanded(to shape: [Int]) -> Layout {
        Layout(shape: shape, strides: broadcastStrides(to: shape), offset: offset)
    }

    /// Axis `i` of the result is axis `order[i]` of this layout.
    public func permuted(_ order: [Int]) -> Layout {
        Layout(shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset)
    }

    /// This layout with the axes in `axes` moved last, in that order (the others keep theirs).
    public func movingAxesLast(_ axes: [Int]) -> Layout {
        let moving = Set(axes)
        return permuted((0..<rank).filter { !moving.contains($0) } + axes)
    }

    /// Elements `range`, stepping by `step`, along `axis`.
    public func narrowed(axis: Int, _ range: Range<Int>, step: Int = 1) -> Layout {
        var result = self
        result.shape[axis] = (range.count + step - 1) / step
        result.strides[axis] = strides[axis] * step
        result.offset = offset + range.lowerBound * strides[axis]
        return result
    }

    /// A length-1 axis inserted at `position` (its stride keeps the layout contiguous where it was).
    public func inserting(axisAt position: Int) -> Layout {
        var result = self
        result.shape.insert(1, at: position)
        result.strides.insert(position < rank ? strides[position] * shape[position] : 1, at: position)
        return result
    }

    /// Only the axes in `axes`, in that order (the others must have length 1).
    public func keeping(axes: [Int]) -> Layout { permuted(axes) }

    /// This layout seen with `newShape` (same element count), or nil when the memory order needs
    /// a copy first (``viewStrides(for:)``).
    public func reshaped(_ newShape: [Int]) -> Layout? {
        viewStrides(for: newShape).map { Layout(shape: newShape, strides: $0, offset: offset) }
    }
}
