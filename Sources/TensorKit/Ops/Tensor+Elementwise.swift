/// Tensor-level entry points of the ``Elementwise`` kernels: they allocate the contiguous result
/// and hand the kernels raw pointers and layouts. No graph is recorded; the ops that use them
/// (float maps, comparisons, casts, copies) record their own nodes where they have gradients.
extension Tensor {
    /// `f` of each element, into a new contiguous tensor of `dtype` (`f.R`'s dtype).
    func mapElements<F: ElementFunction1>(to dtype: DType, _ f: F) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Elementwise.map(UnsafePointer(storage.pointer.assumingMemoryBound(to: F.A.self)), layout,
                        into: out.pointer(as: F.R.self), f)
        return out
    }

    /// `f(a, b)` with NumPy broadcasting, into a new contiguous tensor of `dtype`.
    static func mapElements<F: ElementFunction2>(_ a: Tensor, _ b: Tensor, to dtype: DType, op: String,
                                                 _ f: F) -> Tensor {
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Elementwise.map(UnsafePointer(a.storage.pointer.assumingMemoryBound(to: F.A.self)), a.layout,
                        UnsafePointer(b.storage.pointer.assumingMemoryBound(to: F.A.self)), b.layout,
                        into: out.pointer(as: F.R.self), shape: shape, f)
        return out
    }

    /// `f(c, a, b)` with all three broadcast together, into a new contiguous tensor of `dtype`.
    static func mapElements<F: ElementFunction3>(_ c: Tensor, _ a: Tensor, _ b: Tensor, to dtype: DType,
                                                 op: String, _ f: F) -> Tensor {
        guard let ca = Shape.broadcast(c.shape, a.shape), let shape = Shape.broadcast(ca, b.shape) else {
            preconditionFailure("\(op): shapes \(c.shape), \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Elementwise.map(UnsafePointer(c.storage.pointer.assumingMemoryBound(to: F.C.self)), c.layout,
                        UnsafePointer(a.storage.pointer.assumingMemoryBound(to: F.A.self)), a.layout,
                        UnsafePointer(b.storage.pointer.assumingMemoryBound(to: F.A.self)), b.layout,
                        into: out.pointer(as: F.R.self), shape: shape, f)
        return out
    }

    /// A new contiguous tensor with this one's elements (a bit copy, same dtype, no graph).
    func contiguousCopy() -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Elementwise.copy(UnsafeRawPointer(storage.pointer), layout, byteSize: dtype.byteSize,
                         into: out.storage.pointer)
        return out
    }
}
