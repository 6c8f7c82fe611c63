import Foundation
import TensorKit

/// Code that runs at fixed points of ``Trainer/train(resumingFrom:pausingAfter:)``: logging to
/// another place, custom stopping rules, gradient surgery before the optimizer step.
///
/// Every method has an empty default, so a callback implements only the events it needs. Within
/// one event, callbacks run in the order of ``Trainer/callbacks``. The trainer's own output
/// (progress bar, `metrics.jsonl`, checkpoints, early stopping) is already done when a
/// callback hears of it.
///
/// ```swift
/// final class StopBelow: TrainerCallback {
///     func stepDidEnd(_ context: TrainerContext, record: TrainingRecord) {
///         if let loss = record.values["loss"], loss < 0.05 { context.requestStop() }
///     }
/// }
/// trainer.callbacks.append(StopBelow())
/// ```
public protocol TrainerCallback: AnyObject {
    /// Before the first step of this call, after a checkpoint to resume from was loaded.
    func trainingDidBegin(_ context: TrainerContext)

    /// After the backward passes of a step's micro-batches, before gradient clipping and the
    /// optimizer step: each trainable parameter's `grad` holds the step's gradient (the mean
    /// over its micro-batches), and changes made to it here are what the optimizer applies.
    ///
    /// In a data-parallel run (``Trainer/dataParallel``) the gradients are already the mean
    /// over the processes here, so clipping, the gradient norm logged and the optimizer step all
    /// see the global gradient.
    func gradientsDidAccumulate(_ context: TrainerContext)

    /// After each optimizer step, with the step's values (`loss`, `learning_rate`,
    /// `tokens_per_second`, and `grad_norm` when clipping by norm) — every step, whatever
    /// ``TrainerConfiguration/logEvery`` is.
    func stepDidEnd(_ context: TrainerContext, record: TrainingRecord)

    /// After each evaluation, with its values (`eval_loss`, `eval_accuracy`, ...), once the
    /// best model and early stopping have been updated.
    func evaluationDidEnd(_ context: TrainerContext, record: TrainingRecord)

    /// After a checkpoint folder was written (by the loop or by ``Trainer/saveCheckpoint()``).
    func checkpointDidSave(_ context: TrainerContext, at url: URL)

    /// After the run ended normally (budget spent, early stopping, a pause or a stop request);
    /// not called when ``Trainer/train(resumingFrom:pausingAfter:)`` throws.
    func trainingDidEnd(_ context: TrainerContext, result: TrainingResult)
}

extension TrainerCallback {
    public func trainingDidBegin(_ context: TrainerContext) {}
    public func gradientsDidAccumulate(_ context: TrainerContext) {}
    public func stepDidEnd(_ context: TrainerContext, record: TrainingRecord) {}
    public func evaluationDidEnd(_ context: TrainerContext, record: TrainingRecord) {}
    public func checkpointDidSave(_ context: TrainerContext, at url: URL) {}
    public func trainingDidEnd(_ context: TrainerContext, result: TrainingResult) {}
}

/// What a ``TrainerCallback`` sees of a run, and how it asks the trainer to stop.
public final class TrainerContext {
    /// The model trained.
    public let model: Module
    /// The optimizer; its parameters' `grad` hold the gradients in
    /// ``TrainerCallback/gradientsDidAccumulate(_:)``.
    public let optimizer: any Optimizer
    /// The run's settings.
    public let configuration: TrainerConfiguration
    /// The optimizer steps of the whole run.
    public let totalSteps: Int
    /// Where the run stands at this event.
    public internal(set) var state: TrainerState
    /// Whether a callback asked the run to stop.
    public private(set) var isStopRequested = false

    init(model: Module, optimizer: any Optimizer, configuration: TrainerConfiguration, totalSteps: Int, state: TrainerState) {
        self.model = model
        self.optimizer = optimizer
        self.configuration = configuration
        self.totalSteps = totalSteps
        self.state = state
    }

    /// Ends the run after the current step, once its evaluation and checkpoint (if due) are
    /// done; the run then finishes as if its budget were spent there (best model restored only
    /// when early stopping or the budget ended it, as always; no extra checkpoint).
    public func requestStop() { isStopRequested = true }
}

@available(*, unavailable, message: "A trainer context holds a model and tensors, which are not Sendable")
extension TrainerContext: Sendable {}
