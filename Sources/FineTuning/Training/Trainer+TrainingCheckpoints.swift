import Foundation
import TensorKit

extension Trainer {
    /// The model parameters that checkpoints and the best model hold, by name.
    func savedParameters() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, tensor) in model.namedParameters() {
            let keep: Bool
            switch configuration.checkpointParameters {
            case .all: keep = true
            case .trainable: keep = tensor.requiresGrad
            case .matching(let patterns): keep = patterns.contains { Glob.matches(name, $0) }
            }
            if keep { result[name] = tensor }
        }
        return result
    }

    private func info() -> TrainingCheckpointInfo {
        let scalars = optimizer.stateDict().scalars
        return TrainingCheckpointInfo(state: state, schedulerStep: scheduler?.currentStep ?? state.step,
                              generators: generators.map { TrainingCheckpointStore.hex($0.stateWords) },
                              optimizer: scalars, parameterNames: savedParameters().keys.sorted(),
                              seed: String(configuration.seed), batchSize: configuration.batchSize,
                              accumulation: configuration.gradientAccumulationSteps, shuffle: configuration.shuffle,
                              groupByLength: configuration.groupByLength, processes: dataParallel?.size ?? 1)
    }

    /// Writes `checkpoint-<step>` now and removes the oldest beyond ``TrainerConfiguration/keepLastCheckpoints``.
    @discardableResult
    public func saveCheckpoint() throws -> URL {
        guard let store = checkpointStore else {
            throw TrainingError.invalidConfiguration("saving a checkpoint needs an outputDirectory")
        }
        let url = store.url(step: state.step)
        // Every process holds the same parameters and optimizer state: process 0 writes them.
        guard writesOutput else {
            lastCheckpoint = url
            return url
        }
        try TrainingCheckpointStore.write(to: url, parameters: savedParameters(), optimizer: optimizer.stateDict(), info: info(),
                                  durable: configuration.durableCheckpoints)
        store.prune(keepLast: configuration.keepLastCheckpoints)
        lastCheckpoint = url
        notify { $0.checkpointDidSave($1, at: url) }
        return url
    }

    /// Loads a checkpoint into the model, optimizer, generators and counters.
    func restore(from url: URL) throws {
        let loaded = try TrainingCheckpointStore.read(url)
        // The saved position (epoch, batch) only means the same thing under the same data order.
        let c = configuration
        var changed: [String] = []
        if loaded.info.seed != String(c.seed) { changed.append("seed \(loaded.info.seed) → \(c.seed)") }
        if let b = loaded.info.batchSize, b != c.batchSize { changed.append("batchSize \(b) → \(c.batchSize)") }
        if let a = loaded.info.accumulation, a != c.gradientAccumulationSteps {
            changed.append("gradientAccumulationSteps \(a) → \(c.gradientAccumulationSteps)")
        }
        if let s = loaded.info.shuffle, s != c.shuffle { changed.append("shuffle \(s) → \(c.shuffle)") }
        if let g = loaded.info.groupByLength, g != c.groupByLength { changed.append("groupByLength \(g) → \(c.groupByLength)") }
        let processes = dataParallel?.size ?? 1
        if (loaded.info.processes ?? 1) != processes { changed.append("processes \(loaded.info.processes ?? 1) → \(processes)") }
        guard changed.isEmpty else {
            throw TrainingError.invalidCheckpoint(url, "the data order differs from the saved run (\(changed.joined(separator: ", ")))")
        }
        let report: StateDictError
        do {
            report = try model.load(stateDict: loaded.parameters, strict: false)
        } catch {
            throw TrainingError.invalidCheckpoint(url, "\(error)")
        }
        if !report.unexpected.isEmpty || !report.mismatched.isEmpty {
            throw TrainingError.invalidCheckpoint(url, report.description)
        }
        if configuration.checkpointParameters == .all && !report.missing.isEmpty {
            throw TrainingError.invalidCheckpoint(url, report.description)
        }
        do {
            try optimizer.load(stateDict: loaded.optimizer)
        } catch {
            throw TrainingError.invalidCheckpoint(url, "\(error)")
        }
        guard loaded.info.generators.count == generators.count else {
            throw TrainingError.invalidCheckpoint(url, "it saved \(loaded.info.generators.count) generators, the trainer has \(generators.count)")
        }
        for (generator, hex) in zip(generators, loaded.info.generators) {
            generator.stateWords = try TrainingCheckpointStore.words(hex, url: url)
        }
        state = loaded.info.state
        lastCheckpoint = url
        if configuration.bestModel == .memory, state.bestStep != nil, state.bestStep == state.step {
            bestParameters = savedParameters().mapValues { $0.detach().clone() }
        } else if configuration.bestModel == .disk, let directory = configuration.outputDirectory {
            let best = directory.appendingPathComponent("best", isDirectory: true)
            if !FileManager.default.fileExists(atPath: best.appendingPathComponent("model.safetensors").path) {
                state.bestValue = nil
                state.bestStep = nil
            }
        }
    }

    /// Keeps a copy of the current parameters as the best model (memory or `best/` folder).
    func saveBestModel() throws {
        switch configuration.bestModel {
        case .none: return
        case .memory: bestParameters = savedParameters().mapValues { $0.detach().clone() }
        case .disk:
            guard writesOutput, let directory = configuration.outputDirectory else { return }
            try TrainingCheckpointStore.write(to: directory.appendingPathComponent("best", isDirectory: true),
                                      parameters: savedParameters(), optimizer: optimizer.stateDict(), info: info(),
                                      durable: configuration.durableCheckpoints)
        }
    }

    /// Loads the best parameters seen into the model (no-op when none were kept).
    public func restoreBestModel() throws {
        switch configuration.bestModel {
        case .none: return
        case .memory:
            if let best = bestParameters { try model.load(stateDict: best, strict: false) }
        case .disk:
            guard let directory = configuration.outputDirectory else { return }
            let url = directory.appendingPathComponent("best", isDirectory: true)
            guard FileManager.default.fileExists(atPath: url.path) else { return }
            try model.load(stateDict: TrainingCheckpointStore.read(url).parameters, strict: false)
        }
    }
}
