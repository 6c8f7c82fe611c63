/// Where a tensor's elements live inside its storage: shape, strides (in elements) and offset.
///
/// Views (transpose, slice, expand, ...) are new layouts over the same storage, so they copy
/// nothing. A stride of 0 repeats an element along that axis (broadcasting).
public struct Layout: Equatable, Sendable, CustomStringConvertible {
    /// Extent of each axis.
    public var shape: [Int]
    /// Elements to skip to move one step along each axis.
    public var strides: [Int]
    /// Index of the first element inside the storage.
    public var offset: Int

    /// A row-major contiguous layout for `shape`.
    public init(shape: [Int], offset: Int = 0) {
        self.shape = shape
        self.strides = Layout.contiguousStrides(for: shape)
        self.offset = offset
    }

    /// A layout with explicit strides.
    public init(shape: [Int], strides: [Int], offset: Int) {
        precondition(shape.count == strides.count, "Layout: shape \(shape) and strides \(strides) differ in rank")
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// Row-major strides for `shape`.
    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= Swift.max(shape[axis], 1)
        }
        return strides
    }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Whether elements are laid out row-major with no gaps (offset may be non-zero).
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Storage index of the element at a multi-index.
    @inline(__always)
    public func storageIndex(_ index: [Int]) -> Int {
        var position = offset
        for axis in 0..<index.count { position += index[axis] * strides[axis] }
        return position
    }

    /// Strides for viewing this layout with `newShape` without copying, or nil when the memory
    /// order does not allow it (then a copy is needed). Same algorithm as PyTorch's `computeStride`.
    public func viewStrides(for newShape: [Int]) -> [Int]? {
        let total = count
        if total == 0 { return Layout.contiguousStrides(for: newShape) }
        var newStrides = [Int](repeating: 0, count: newShape.count)
        var viewAxis = newShape.count - 1
        var chunkBaseStride = strides.last ?? 1
        var tensorElements = 1
        var viewElements = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            tensorElements *= shape[axis]
            if axis == 0 || (shape[axis - 1] != 1 && strides[axis - 1] != tensorElements * chunkBaseStride) {
                while viewAxis >= 0 && (viewElements < tensorElements || newShape[viewAxis] == 1) {
                    newStrides[viewAxis] = viewElements * chunkBaseStride
                    viewElements *= newShape[viewAxis]
                    viewAxis -= 1
                }
                if viewElements != tensorElements { return nil }
                if axis > 0 {
                    chunkBaseStride = strides[axis - 1]
                    tensorElements = 1
                    viewElements = 1
                }
            }
        }
        if viewAxis != -1 { return nil }
        return newStrides
    }

    public var description: String { "Layout(shape: \(shape), strides: \(strides), offset: \(offset))" }
}

/// Shape helpers shared by ops.
public enum Shape {
    /// The NumPy broadcast of two shapes, or nil when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { result[i] = da } else if da == 1 { result[i] = db } else { return nil }
        }
        return result
    }

    /// Normalises a possibly negative axis for a tensor of `rank`, stopping with a message naming
    /// `op` when it is out of range.
    @inline(__always)
    public static func normalize(axis: Int, rank: Int, op: String) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < Swift.max(rank, 1),
                     "\(op): axis \(axis) is out of range for a tensor of rank \(rank)")
        return resolved
    }
}
