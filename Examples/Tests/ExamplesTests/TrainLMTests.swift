import Foundation
import Testing
import FineTuning
import LMSupport

/// `train-lm` as a user meets it: flags checked up front, a short run on a small text whose
/// validation loss drops, its outputs, and a resume that continues it.
@Suite struct TrainLMTests {
    @Test func flagsOutsideTheirRangesSayWhich() {
        func message(_ change: (inout TrainLMSettings) -> Void) -> String? {
            var settings = TrainLMSettings(text: "book.txt")
            change(&settings)
            do { try settings.validate(); return nil } catch { return error.description }
        }
        #expect(message { _ in } == nil)
        #expect(message { $0.steps = 0 } == "--steps must be in 1...1000000000, got 0")
        #expect(message { $0.blockSize = -3 } == "--block-size must be in 1...65536, got -3")
        #expect(message { $0.generate = -1 } == "--generate must be in 0...1000000, got -1")
        #expect(message { $0.width = 30; $0.heads = 4 } == "--width 30 is not a multiple of --heads 4")
        #expect(message { $0.stride = 129 } == "--stride must be in 1...128 (the block size), got 129")
        #expect(message { $0.validation = 1 } == "--validation must be in [0, 1), got 1.0")
    }

    @Test func aShortRunLearnsTheTextThenResumes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("train-lm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("rhyme.txt")
        try String(repeating: "the cat sat on the mat. the dog ran in the fog. ", count: 12)
            .write(to: text, atomically: true, encoding: .utf8)

        var settings = TrainLMSettings(text: text.path)
        settings.blockSize = 16
        settings.stride = 8
        settings.layers = 1
        settings.width = 16
        settings.heads = 2
        settings.steps = 40
        settings.batchSize = 8
        settings.learningRate = 1e-2
        settings.warmup = 0
        settings.evaluateEvery = 0
        settings.saveEvery = 0
        settings.sampleEvery = 20
        settings.sampleLength = 24
        settings.samplePrompt = "the "
        settings.generate = 40   // longer than the context: the sampler slides its window
        settings.output = folder.appendingPathComponent("run").path
        var lines: [String] = []
        let result = try TrainLMRun(settings: settings, log: { lines.append($0) }).run()

        let before = try #require(result.initialValidationLoss), after = try #require(result.validationLoss)
        #expect(abs(before - log(259)) < 1, "an untrained byte model is near uniform over 259 ids")
        #expect(after < 0.6 * before, "validation loss \(before) → \(after)")
        #expect(abs(result.validationPerplexity! - exp(after)) < 1e-9)
        #expect(result.vocabularySize == 259 && result.documents == 1 && result.tokens == 12 * 48 + 1)
        #expect(lines.contains { $0.hasPrefix("--- sample at step 20 ---\nthe ") })
        let generated = try #require(result.generated)
        #expect(generated.hasPrefix("the ") && generated.utf8.count > 16 + 4, "\(generated)")
        let run = URL(fileURLWithPath: settings.output)
        for file in ["result.json", "model.safetensors", "metrics.jsonl", "checkpoints/checkpoint-40"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file)")
        }

        settings.resume = true
        settings.steps = 44
        settings.sampleEvery = 0
        settings.generate = 0
        let resumed = try TrainLMRun(settings: settings, log: { _ in }).run()
        #expect(resumed.steps == 44 && resumed.initialValidationLoss == nil)

        var fresh = settings
        fresh.output = folder.appendingPathComponent("empty").path
        #expect(throws: TrainLMError.nothingToResume(folder: fresh.output)) { try TrainLMRun(settings: fresh, log: { _ in }).run() }
    }
}
