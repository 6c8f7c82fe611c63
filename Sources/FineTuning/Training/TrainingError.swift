import Foundation

/// Why training stopped with an error.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss of a batch was NaN or infinite. Nothing was updated with it; `lastCheckpoint`
    /// is the newest checkpoint on disk (from before the bad step), if any.
    case nonFiniteLoss(step: Int, epoch: Int, value: Double, lastCheckpoint: URL?)
    /// The configuration cannot work (e.g. checkpoints without an output directory).
    case invalidConfiguration(String)
    /// A checkpoint could not be read or does not fit this model and optimizer.
    case invalidCheckpoint(URL, String)
    /// There is nothing to train on.
    case emptyDataset
    /// An output (folder, metrics log, checkpoint, plot) could not be written: where and why.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, epoch, value, checkpoint):
            let resume = checkpoint.map { "; the last good checkpoint is \($0.path)" } ?? "; no checkpoint was written"
            return "training stopped: loss is \(value) at step \(step + 1) (epoch \(epoch + 1))\(resume). " +
                "Try a lower learning rate, gradient clipping, or check the data."
        case let .invalidConfiguration(reason): return "invalid training configuration: \(reason)"
        case let .invalidCheckpoint(url, reason): return "\(url.path): cannot resume: \(reason)"
        case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason)"
        case .emptyDataset: return "the training dataset is empty (or smaller than one batch with dropLastBatch)"
        }
    }
}
