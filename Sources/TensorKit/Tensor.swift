/// An n-dimensional array of numbers with reverse-mode autodiff, viewing shared storage.
///
/// A tensor is `storage` (memory) + `layout` (shape, strides, offset) + `dtype`. It is a reference
/// type, as in PyTorch: a parameter is shared by a model and its optimizer, which updates the
/// storage in place. Views share storage and copy nothing.
///
/// ```swift
/// let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
/// let y = (x * 2).sum(axes: [1])      // [6, 30]
/// ```
public final class Tensor {
    /// The memory this tensor views.
    public let storage: Storage
    /// Shape, strides and offset into ``storage``.
    public let layout: Layout
    /// Element type.
    public let dtype: DType

    /// Whether gradients flow to this tensor. Set it on leaves (parameters); results of ops
    /// require grad when any of their inputs do (and grad mode is on).
    public var requiresGrad: Bool {
        get { gradFn != nil || leafRequiresGrad }
        set {
            precondition(gradFn == nil || newValue, "requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach()")
            precondition(!newValue || dtype.isFloatingPoint, "requiresGrad: only float32/float64 tensors can require gradients (got \(dtype))")
            leafRequiresGrad = newValue
        }
    }
    private var leafRequiresGrad = false

    /// Accumulated gradient of a leaf after ``backward(_:retainGraph:)``; nil until then.
    public var grad: Tensor?

    /// The graph node that produced this tensor, or nil for leaves.
    public internal(set) var gradFn: GradNode?

    /// Whether this tensor was created by the user rather than by a recorded op.
    public var isLeaf: Bool { gradFn == nil }

    /// Creates a tensor over existing storage.
    public init(storage: Storage, layout: Layout, dtype: DType) {
        self.storage = storage
        self.layout = layout
        self.dtype = dtype
    }

    /// Allocates an uninitialised contiguous tensor (callers fill it).
    internal convenience init(uninitializedShape shape: [Int], dtype: DType) {
        let count = shape.reduce(1, *)
        self.init(storage: Storage(byteCount: count * dtype.byteSize), layout: Layout(shape: shape), dtype: dtype)
    }

    // MARK: - Layout conveniences

    /// Extent of each axis.
    public var shape: [Int] { layout.shape }
    /// Element strides of each axis.
    public var strides: [Int] { layout.strides }
    /// Number of axes.
    public var rank: Int { layout.rank }
    /// Number of elements.
    public var count: Int { layout.count }
    /// Whether the elements are row-major with no gaps.
    public var isContiguous: Bool { layout.isContiguous }

    /// Typed pointer to the first element (at the layout's offset). The caller must know `T`
    /// matches ``dtype`` and must respect the strides.
    @inline(__always)
    public func pointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer.assumingMemoryBound(to: T.self) + layout.offset
    }

    /// Calls `body` with a buffer over the elements of a contiguous tensor, for kernels and
    /// in-place updates (optimizers). Stops if the tensor is not contiguous or `T` is not its type.
    public func withUnsafeMutableBufferPointer<T: TensorScalar, R>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype == dtype, "withUnsafeMutableBufferPointer: tensor is \(dtype), asked for \(T.dtype)")
        precondition(isContiguous, "withUnsafeMutableBufferPointer: tensor with shape \(shape) strides \(strides) is not contiguous")
        return try body(UnsafeMutableBufferPointer(start: pointer(as: T.self), count: count))
    }

    /// A new tensor sharing this one's storage with another layout (a view). Records no graph.
    internal func view(_ layout: Layout) -> Tensor {
        Tensor(storage: storage, layout: layout, dtype: dtype)
    }
}

@available(*, unavailable, message: "Tensor is a mutable reference type; share it across threads explicitly")
extension Tensor: Sendable {}
