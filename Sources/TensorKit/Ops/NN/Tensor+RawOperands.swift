/// How the ops whose kernels read raw row-major buffers (norms, cross-entropy, attention,
/// embedding) get their operands.
extension Tensor {
    /// A contiguous tensor with this one's values, cut off from the graph (a copy only when this
    /// one is not contiguous). These ops read their inputs through raw pointers and record their
    /// own node, so the copy must not record one.
    func detachedContiguous() -> Tensor {
        let detached = detach()
        return detached.isContiguous ? detached : detached.clone()
    }

    /// The elements of an int32/int64 tensor as `Int`, in row-major order (indices, targets).
    func indexValues(op: String) -> [Int] {
        let source = detachedContiguous()
        let n = source.count
        switch dtype {
        case .int32:
            let p = source.pointer(as: Int32.self)
            return (0..<n).map { Int(p[$0]) }
        case .int64:
            let p = source.pointer(as: Int64.self)
            return (0..<n).map { Int(p[$0]) }
        default:
            preconditionFailure("\(op): indices must be int32 or int64, got \(dtype) (shape \(shape))")
        }
    }
}
