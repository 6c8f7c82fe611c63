import TensorKit

/// The processes of a data-parallel run, as a ``Trainer`` sees them: each process trains the
/// same model on its own share of every batch, and the group keeps the copies identical.
///
/// FineTuning knows nothing of how processes talk; the `Distributed` module implements this on
/// MPI (`DataParallel`). With a group set in ``Trainer/dataParallel``, the trainer
/// - reads only this process's share of each batch (``BatchSampler/shard``): the global batch is
///   ``TrainerConfiguration/batchSize`` × ``size`` examples;
/// - starts from process 0's trainable parameters (after a resume, too);
/// - replaces each gradient by the mean over the processes before clipping and the optimizer
///   step, so every process takes the same step;
/// - logs the step loss averaged over the processes;
/// - writes files (metrics log, checkpoints, best model, plot) and progress on process 0 only.
public protocol DataParallelGroup: AnyObject {
    /// This process's index in the group, `0..<size`; process 0 writes the run's files.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Makes every process's `parameters` equal to process 0's, after checking that every
    /// process has the same names and shapes, in the same order.
    func broadcastParameters(_ parameters: [(name: String, tensor: Tensor)]) throws
    /// Replaces the gradient of each of `parameters` by its mean over the processes.
    func averageGradients(_ parameters: [Tensor]) throws
    /// The mean of each of `values` over the processes (every process passes as many).
    func average(_ values: [Double]) throws -> [Double]
}

/// One process's share of the examples of a data-parallel run, like PyTorch's
/// `DistributedSampler`: each global batch (of `batchSize × count` examples) is dealt out in
/// turn, example `i` of it to process `i % count`, so the processes' shares are disjoint and
/// together make the global batch. A last global batch whose size is not a multiple of `count`
/// is padded by repeating its first examples (or dropped with ``BatchSampler/dropLast``), so
/// every process takes as many steps.
public struct DataShard: Sendable, Equatable {
    /// This process's index, `0..<count`.
    public var index: Int
    /// The number of processes sharing the data.
    public var count: Int

    /// Share `index` of `count`.
    public init(index: Int, count: Int) {
        precondition(count > 0 && (0..<count).contains(index), "DataShard: index \(index) is not in 0..<\(count)")
        self.index = index
        self.count = count
    }

    /// This share of each of `batches` (global batches, as example indices).
    public func share(of batches: [[Int]]) -> [[Int]] {
        batches.map { batch in
            guard !batch.isEmpty else { return batch }
            let padded = (batch.count + count - 1) / count * count
            return stride(from: index, to: padded, by: count).map { batch[$0 % batch.count] }
        }
    }
}
