import TensorKit

extension Trainer {
    /// Runs the evaluation data in evaluation mode without gradients; returns `eval_loss` and
    /// `eval_<metric>` for each metric with a value.
    public func evaluate() -> [String: Double] {
        guard let data = evaluationData, data.count > 0 else { return [:] }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let lossMetric = LossMetric()
        let all: [any Metric] = [lossMetric] + metrics
        all.forEach { $0.reset() }
        let size = configuration.evaluationBatchSize ?? configuration.batchSize
        withGradientsDisabled {
            for start in stride(from: 0, to: data.count, by: size) {
                let batch = collate((start..<Swift.min(data.count, start + size)).map { data.example(at: $0) })
                let output = loss(batch)
                all.forEach { $0.update(output, batch: batch) }
            }
        }
        var values: [String: Double] = [:]
        for metric in all { if let value = metric.value { values["eval_\(metric.name)"] = value } }
        return values
    }

    /// Evaluates during a run: records and prints the values, keeps the best model, updates
    /// early stopping, then runs the ``TrainerCallback/evaluationDidEnd(_:record:)`` callbacks.
    func evaluateAndTrack(epoch: Double) throws -> [String: Double]? {
        guard evaluationData != nil else { return nil }
        let values = evaluate()
        let evaluation = TrainingRecord(kind: .eval, step: state.step, epoch: epoch, values: values)
        try record(evaluation)
        progress?.evaluation(step: state.step, values: values)
        let goal = configuration.bestGoal
        if configuration.bestModel != .none, let value = values[goal.name],
           EarlyStopping(metric: goal.name, mode: goal.mode, patience: 1).improves(value, on: state.bestValue) {
            state.bestValue = value
            state.bestStep = state.step
            try saveBestModel()
        }
        if let stopping = configuration.earlyStopping, let value = values[stopping.metric] {
            if stopping.improves(value, on: state.earlyStoppingBest) {
                state.earlyStoppingBest = value
                state.evaluationsWithoutImprovement = 0
            } else {
                state.evaluationsWithoutImprovement += 1
                if state.evaluationsWithoutImprovement >= stopping.patience { state.stoppedEarly = true }
            }
        }
        notify { $0.evaluationDidEnd($1, record: evaluation) }
        return values
    }
}
