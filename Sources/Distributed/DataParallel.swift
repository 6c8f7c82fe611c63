import FineTuning
import Foundation
import TensorKit

/// Data-parallel training on MPI: set it as a ``FineTuning/Trainer``'s
/// ``FineTuning/Trainer/dataParallel`` in every process of an `mpirun` job, and each process
/// trains on its share of every batch while all keep the same model.
///
/// ```swift
/// let world = try Communicator.world()
/// trainer.dataParallel = DataParallel(world)
/// try world.abortingOnError { try trainer.train() }
/// if world.rank == 0 { try model.saveAdapter(to: url) }   // the trainer writes on rank 0 only; so should you
/// ```
///
/// Gradients are averaged after the backward pass (not overlapped with it: the autograd engine
/// does not report when a leaf's gradient is final), in buckets of ``bucketByteCount``.
public final class DataParallel: DataParallelGroup {
    /// The processes training together.
    public let communicator: Communicator
    /// The most bytes of gradients one all-reduce carries (25 MB, as PyTorch DDP).
    public var bucketByteCount = 25 * 1024 * 1024
    /// Seconds spent averaging gradients so far (for measuring the all-reduce share of a step).
    public private(set) var gradientSeconds = 0.0
    /// Reused packing buffers, by dtype.
    private var staging: [DType: Tensor] = [:]

    /// Data-parallel training over the processes of `communicator`.
    public init(_ communicator: Communicator) { self.communicator = communicator }

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    /// Checks that every process has the same parameter names and shapes (all throw
    /// ``DistributedError/mismatch(_:)`` together otherwise), then copies process 0's values to all.
    public func broadcastParameters(_ parameters: [(name: String, tensor: Tensor)]) throws {
        let mine = parameters.map { "\($0.name) \($0.tensor.dtype) \($0.tensor.shape)" }
        let first = try communicator.broadcast(mine.joined(separator: "\n")).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let same = first == mine || (mine.isEmpty && first == [""])
        guard try communicator.allAgree(same) else {
            let difference = same ? "another process's differ"
                : zip(mine, first).first { $0 != $1 }.map { "\($0.0) here, \($0.1) on process 0" }
                    ?? "\(mine.count) here, \(first.count) on process 0"
            throw DistributedError.mismatch("the trainable parameters differ between processes (process \(rank): \(difference))")
        }
        for (_, tensor) in parameters { try communicator.broadcast(tensor) }
    }

    /// Averages the gradients of `parameters` over the processes; a parameter without a gradient
    /// gets zeros first, so every process sends the same buckets.
    public func averageGradients(_ parameters: [Tensor]) throws {
        guard size > 1 else { return }   // the mean over one process is its own gradient
        let start = Date()
        let gradients = parameters.map { parameter in
            if let grad = parameter.grad { return grad }
            let zeros = Tensor.zeros(parameter.shape, dtype: parameter.dtype)
            parameter.grad = zeros
            return zeros
        }
        try communicator.averageInBuckets(gradients, byteLimit: bucketByteCount, staging: &staging)
        gradientSeconds += Date().timeIntervalSince(start)
    }

    public func average(_ values: [Double]) throws -> [Double] {
        try communicator.allReduce(values, .average)
    }
}
