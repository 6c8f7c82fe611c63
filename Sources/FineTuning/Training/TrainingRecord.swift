import Foundation

/// One line of the training log: a training step's loss and rate, or an evaluation's metrics.
public struct TrainingRecord: Codable, Sendable, Equatable {
    /// Whether the values come from training or from an evaluation.
    public enum Kind: String, Codable, Sendable {
        /// Training-step values.
        case train
        /// Evaluation values.
        case eval
    }

    /// Training or evaluation.
    public var kind: Kind
    /// The optimizer step after which the values were taken.
    public var step: Int
    /// Fractional epochs completed.
    public var epoch: Double
    /// Named values: `loss`, `learning_rate`, `grad_norm`, `tokens_per_second` for training;
    /// `eval_loss`, `eval_accuracy`, `eval_perplexity`, ... for evaluations.
    public var values: [String: Double]

    /// A record of `values` after step `step`.
    public init(kind: Kind, step: Int, epoch: Double, values: [String: Double]) {
        self.kind = kind
        self.step = step
        self.epoch = epoch
        self.values = values
    }

    /// The record as one JSON object line (keys sorted; non-finite numbers as null).
    public func jsonLine() -> String {
        var object: [String: Any] = ["kind": kind.rawValue, "step": step, "epoch": epoch]
        for (key, value) in values { object[key] = value.isFinite ? value : NSNull() }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Appends ``TrainingRecord``s to a JSON Lines file (`metrics.jsonl`), one flushed line each,
/// so a crash loses at most the line being written.
final class MetricsLogWriter {
    let url: URL
    private let handle: FileHandle

    /// Opens `url`, replacing its contents with `existing` (the history restored from a
    /// checkpoint, so lines logged after that checkpoint by an interrupted run disappear).
    ///
    /// - Throws: ``TrainingError/cannotWrite(path:reason:)``.
    init(url: URL, existing: [TrainingRecord]) throws(TrainingError) {
        self.url = url
        let start = existing.map { $0.jsonLine() + "\n" }.joined()
        do {
            try AtomicFile.write(Array(start.utf8), to: url, durable: false)
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw .cannotWrite(path: url.path, reason: Self.reason(error))
        }
    }

    /// Appends one line; a failure (disk full, file removed) stops training rather than
    /// silently losing the metrics.
    func append(_ record: TrainingRecord) throws(TrainingError) {
        do {
            try handle.write(contentsOf: Data((record.jsonLine() + "\n").utf8))
        } catch {
            throw .cannotWrite(path: url.path, reason: Self.reason(error))
        }
    }

    /// The system's reason (Foundation's localized text alone says little on Linux).
    static func reason(_ error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        return [error.localizedDescription, underlying?.localizedDescription].compactMap { $0 }.joined(separator: ": ")
    }

    deinit { try? handle.close() }
}
