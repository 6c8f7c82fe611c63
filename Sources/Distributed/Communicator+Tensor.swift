import CMPI
import TensorKit

/// Collectives on tensors, in place: every process passes a tensor of the same shape and dtype
/// (float32, float64, int32 or int64). A non-contiguous view is copied to a contiguous buffer
/// and the result copied back through its strides; contiguous tensors are sent as they are.
/// None records autograd history.
extension Communicator {
    /// Overwrites `tensor` on every process with its value on process `root`.
    public func broadcast(_ tensor: Tensor, from root: Int = 0) throws {
        try withContiguous(tensor, writingBack: true) { pointer, count, type in
            try forEachChunk(count, elementSize: tensor.dtype.byteSize) { offset, length in
                try collective("MPI_Bcast") { MPI_Bcast(pointer + offset, length, type, Int32(root), handle) }
            }
        }
    }

    /// Replaces `tensor` on every process by the element-wise combination of all processes'
    /// tensors (``ReductionOperation/average``: the sum divided by ``size``).
    public func allReduce(_ tensor: Tensor, _ operation: ReductionOperation = .sum) throws {
        precondition(operation != .average || tensor.dtype.isFloatingPoint,
                     "Communicator.allReduce: an average needs a floating-point tensor, got \(tensor.dtype)")
        try withContiguous(tensor, writingBack: true) { pointer, count, type in
            try allReduceInPlace(pointer, count: count, dtype: tensor.dtype, operation)
        }
    }

    /// A new contiguous tensor of shape `[size] + tensor.shape` whose slice `r` is process `r`'s `tensor`.
    public func allGather(_ tensor: Tensor) throws -> Tensor {
        let output = Tensor.zeros([size] + tensor.shape, dtype: tensor.dtype)
        try allGather(tensor, into: output)
        return output
    }

    /// Fills `output` (shape `[size] + tensor.shape`, same dtype, any strides) so that its
    /// slice `r` is process `r`'s `tensor`.
    public func allGather(_ tensor: Tensor, into output: Tensor) throws {
        precondition(output.shape == [size] + tensor.shape && output.dtype == tensor.dtype,
                     "Communicator.allGather: output \(output.dtype) \(output.shape) does not hold \(size) × \(tensor.dtype) \(tensor.shape)")
        precondition(tensor.count <= Int(Int32.max), "Communicator.allGather: \(tensor.count) elements exceed MPI's count")
        try withContiguous(tensor, writingBack: false) { source, count, type in
            try withContiguous(output, writingBack: true) { destination, _, _ in
                try collective("MPI_Allgather") {
                    MPI_Allgather(source, Int32(count), type, destination, Int32(count), type, handle)
                }
            }
        }
    }

    /// All-reduces `count` elements at `pointer` in place, in chunks MPI's 32-bit count can
    /// address, then divides by ``size`` for an average.
    func allReduceInPlace(_ pointer: UnsafeMutableRawPointer, count: Int, dtype: DType, _ operation: ReductionOperation) throws {
        let type = dtype.mpiType(for: "allReduce")
        try forEachChunk(count, elementSize: dtype.byteSize) { offset, length in
            try collective("MPI_Allreduce") {
                MPI_Allreduce(cmpi_in_place(), pointer + offset, length, type, operation.handle, handle)
            }
        }
        if operation == .average { Self.scale(pointer, count: count, dtype: dtype, by: 1 / Double(size)) }
    }

    /// Multiplies `count` floating-point elements at `pointer` by `factor`.
    static func scale(_ pointer: UnsafeMutableRawPointer, count: Int, dtype: DType, by factor: Double) {
        switch dtype {
        case .float32:
            let p = pointer.assumingMemoryBound(to: Float.self), f = Float(factor)
            for i in 0..<count { p[i] *= f }
        case .float64:
            let p = pointer.assumingMemoryBound(to: Double.self)
            for i in 0..<count { p[i] *= factor }
        default: preconditionFailure("Communicator: cannot scale \(dtype) values")
        }
    }

    /// Calls `body` with the elements of `tensor` as one contiguous buffer: its own storage when
    /// contiguous, else a copy that is written back through the strides when `writingBack`.
    private func withContiguous(_ tensor: Tensor, writingBack: Bool,
                                _ body: (UnsafeMutableRawPointer, Int, MPI_Datatype) throws -> Void) throws {
        let type = tensor.dtype.mpiType(for: "collective")
        if tensor.isContiguous {
            try body(tensor.firstElement, tensor.count, type)
            return
        }
        let buffer = tensor.detach().contiguous()
        try body(buffer.firstElement, buffer.count, type)
        if writingBack { tensor.assign(buffer) }
    }

    /// Runs `body(byteOffset, count)` over `count` elements in pieces of at most 2³⁰ elements.
    private func forEachChunk(_ count: Int, elementSize: Int, _ body: (Int, Int32) throws -> Void) throws {
        let chunk = 1 << 30
        var start = 0
        repeat {
            let length = Swift.min(chunk, count - start)
            try body(start * elementSize, Int32(length))
            start += length
        } while start < count
    }
}

extension Tensor {
    /// The address of the element at the layout's offset.
    var firstElement: UnsafeMutableRawPointer { storage.pointer + layout.offset * dtype.byteSize }
}
