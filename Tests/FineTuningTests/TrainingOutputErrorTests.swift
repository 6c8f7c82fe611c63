import Foundation
import Testing
@testable import FineTuning

/// Outputs that cannot be written stop training with the library's error naming the path, and
/// pruning never leaves a half-deleted checkpoint behind.
@Suite struct TrainingOutputErrorTests {
    private func trainer(output: URL, steps: Int = 4, checkpointEvery: Int? = nil, keep: Int? = nil) -> Trainer<LanguageModelingExample> {
        let generator = Generator(seed: 3)
        let model = tinyByteGPT(generator: generator)
        var config = TrainerConfiguration(maxSteps: steps, batchSize: 2)
        config.outputDirectory = output
        config.durableCheckpoints = false
        config.evaluateAtEnd = false
        config.logEvery = 1
        config.progress = .silent
        config.checkpointEvery = checkpointEvery
        if let keep { config.keepLastCheckpoints = keep }
        return Trainer(model: model, optimizer: AdamW(model: model, learningRate: 1e-3), trainData: tinyLanguageData(count: 6),
                       collator: LanguageModelingCollator(tokenizer: ByteTokenizer()), configuration: config,
                       generators: [generator], loss: LanguageModelingLoss(model))
    }

    @Test func anUnwritableOutputFolderIsATrainingError() throws {
        let folder = trainingTemporaryDirectory("blocked")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("a-file")
        try "not a folder".write(to: file, atomically: true, encoding: .utf8)
        let output = file.appendingPathComponent("run")
        let error = #expect(throws: TrainingError.self) { try trainer(output: output).train() }
        guard case .cannotWrite(let path, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(path == output.path)
    }

    @Test func anUnwritableMetricsLogIsATrainingError() throws {
        let output = trainingTemporaryDirectory("metrics-blocked")
        try FileManager.default.createDirectory(at: output.appendingPathComponent("metrics.jsonl/inside"), withIntermediateDirectories: true)
        let error = #expect(throws: TrainingError.self) { try trainer(output: output).train() }
        guard case .cannotWrite(let path, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(path == output.appendingPathComponent("metrics.jsonl").path)
    }

    @Test func pruningRemovesLeftoversOfDeadProcesses() throws {
        let output = trainingTemporaryDirectory("prune")
        let checkpoints = output.appendingPathComponent("checkpoints")
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        // What a kill mid-prune or mid-save leaves: hidden, so never taken for a checkpoint.
        let leftover = checkpoints.appendingPathComponent(".checkpoint-1.\(finished.processIdentifier).7.tmp")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        try "{}".write(to: leftover.appendingPathComponent("trainer_state.json"), atomically: true, encoding: .utf8)
        let result = try trainer(output: output, steps: 4, checkpointEvery: 1, keep: 2).train()
        #expect(result.checkpoints.map(\.lastPathComponent) == ["checkpoint-3", "checkpoint-4"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted() == ["checkpoint-3", "checkpoint-4"])
    }
}
