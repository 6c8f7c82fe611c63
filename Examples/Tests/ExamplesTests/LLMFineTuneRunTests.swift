import Foundation
import Testing

@testable import FineTuning
import LLMSupport
import ExampleSupport

/// `finetune-llm`'s run (``LLMFineTuneRun``) end to end on a tiny LLaMA GGUF that carries
/// SmolLM2's tokenizer and chat template: data from a JSONL folder, each strategy's artifact,
/// resuming, and the settings' checks.
@Suite(.serialized) struct LLMFineTuneRunTests {
    private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("llm-run-\(UInt64.random(in: 0 ... .max))")

    /// Writes the tiny model and a chat JSONL folder; returns the model file and data folder.
    private func fixtures() throws -> (model: URL, data: URL) {
        let source = try GGUFFile(contentsOf: try smolLM2File.get()).metadata
        var config = GPTConfig(vocabularySize: 49_152, maxPositions: 128, dim: 64, layers: 2, heads: 4, kvHeads: 2, hidden: 96)
        config.positions = .rotary(base: 100_000)
        config.norm = .rmsNorm
        config.feedForward = .swiGLU
        config.bias = false
        config.normEps = Double(Float(1e-5))
        let model = GPT(config, generator: Generator(seed: 1))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let modelURL = folder.appendingPathComponent("tiny.gguf")
        try model.writeGGUF(to: modelURL, type: .f32, metadataFrom: source)
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        func lines(_ range: Range<Int>) -> String {
            range.map { i in
                #"{"messages": [{"role": "user", "content": "What is \#(i) plus one ?"}, {"role": "assistant", "content": "{\"answer\": \#(i + 1)}"}]}"#
            }.joined(separator: "\n") + "\n"
        }
        try lines(0..<16).write(to: data.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        try lines(16..<20).write(to: data.appendingPathComponent("valid.jsonl"), atomically: true, encoding: .utf8)
        try lines(20..<24).write(to: data.appendingPathComponent("test.jsonl"), atomically: true, encoding: .utf8)
        return (modelURL, data)
    }

    private func settings(_ strategy: LLMStrategyKind, model: URL, data: URL, output: String) -> LLMRunSettings {
        var s = LLMRunSettings(model: model.path)
        s.data = data.path
        s.strategy = strategy
        s.steps = 4
        s.batchSize = 4
        s.evaluateEvery = 2
        s.learningRate = 1e-2
        s.output = folder.appendingPathComponent(output).path
        return s
    }

    @Test func everyStrategyTrainsAndSavesItsArtifact() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (model, data) = try fixtures()
        for strategy in [LLMStrategyKind.lora, .qlora, .dora, .full, .partial] {
            var s = settings(strategy, model: model, data: data, output: strategy.rawValue)
            s.numLayers = strategy == .partial ? 1 : nil
            let result = try LLMFineTuneRun(settings: s, log: { _ in }).run()
            #expect(result.steps == 4, "\(strategy)")
            #expect(result.validationCurve.map(\.step) == [0, 2, 4], "\(strategy)")
            #expect(result.validationCurve.last!.loss < result.validationCurve.first!.loss, "\(strategy): validation loss should fall")
            #expect(result.testCount == 4 && result.testLoss?.isFinite == true, "\(strategy)")
            #expect(result.artifactBytes > 0, "\(strategy)")
            let saved = try LLMRunResult.decoder.decode(LLMRunResult.self, from: Data(contentsOf: URL(fileURLWithPath: s.output).appendingPathComponent("result.json")))
            #expect(saved.steps == 4 && saved.strategy == strategy)
            if strategy.usesAdapters {
                let config = try String(contentsOf: URL(fileURLWithPath: s.output).appendingPathComponent("adapter/adapter_config.json"), encoding: .utf8)
                #expect(config.contains("\"q_proj\"") && config.contains("SmolLM2-135M-Instruct"), "\(strategy)")
            }
            if strategy == .qlora {
                // Trained on the quantized base, the adapter loads onto the float one.
                let llm = try PretrainedLLM(contentsOf: model)
                try llm.model.loadHuggingFaceAdapter(from: URL(fileURLWithPath: s.output).appendingPathComponent("adapter"))
            }
        }
        // Partial: only the top block and the final norm train; full: everything.
        let partial = try LLMRunResult.decoder.decode(LLMRunResult.self, from: Data(contentsOf: folder.appendingPathComponent("partial/result.json")))
        let full = try LLMRunResult.decoder.decode(LLMRunResult.self, from: Data(contentsOf: folder.appendingPathComponent("full/result.json")))
        #expect(full.trainableParameters == full.totalParameters)
        #expect(partial.trainableParameters < full.trainableParameters / 10)
    }

    @Test func resumesFromTheLatestCheckpoint() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (model, data) = try fixtures()
        var s = settings(.lora, model: model, data: data, output: "resume")
        s.saveEvery = 2
        _ = try LLMFineTuneRun(settings: s, log: { _ in }).run()
        s.steps = 6
        s.resume = true
        let resumed = try LLMFineTuneRun(settings: s, log: { _ in }).run()
        #expect(resumed.steps == 6)
        var fresh = settings(.lora, model: model, data: data, output: "nothing")
        fresh.resume = true
        #expect(throws: LLMExampleError.self) { try LLMFineTuneRun(settings: fresh, log: { _ in }).run() }
    }

    /// The "In code" snippet of Documentation/FineTuningLLM.md, on the tiny model.
    @Test func guideSnippetRuns() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (modelURL, dataURL) = try fixtures()
        let adapterURL = folder.appendingPathComponent("adapter")
        let llm = try PretrainedLLM(contentsOf: modelURL, quantized: true)          // QLoRA: quantized base
        let lora = LoRAConfig(rank: 8, alpha: 16, targetModules: ["q_proj", "v_proj"].map(HuggingFaceLlamaNames.target))
        try LoRA(lora).prepare(llm.model)
        let train = try llm.sftEncoder(maxLength: 256).encode(try SFTJSONLReader().read(folder: dataURL).train)
        var config = TrainerConfiguration(maxSteps: 3, batchSize: 8)
        config.groupByLength = true
        config.progress = .silent
        let trainer = Trainer(model: llm.model, optimizer: AdamW(model: llm.model, learningRate: 2e-4),
                              trainData: train.dataset, collate: SFTCollator(tokenizer: llm.tokenizer).collate,
                              configuration: config, metrics: []) { batch in
            StepOutput(loss: llm.model.loss(batch.inputIDs, targets: batch.labels))
        }
        let result = try trainer.train()
        try llm.model.saveHuggingFaceAdapter(to: adapterURL)
        #expect(result.state.step == 3)
        #expect(FileManager.default.fileExists(atPath: adapterURL.appendingPathComponent("adapter_model.safetensors").path))
    }

    /// `mpirun -np 2 finetune-llm` (the program, built beside this test bundle): data parallel
    /// by itself under mpirun, 2 processes × 2 examples per step for 4 steps; process 0 alone
    /// writes the adapter and result.json, and reports the run once.
    @Test func finetuneLLMRunsDataParallelUnderMPIRun() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (model, data) = try fixtures()
        let output = folder.appendingPathComponent("mpi")
        let job = try mpirunTwoProcesses("finetune-llm", [
            "--model", model.path, "--data", data.path, "--strategy", "lora", "--steps", "4",
            "--batch-size", "2", "--learning-rate", "0.01", "--output", output.path], log: folder.appendingPathComponent("mpi.log"))
        let text = job.output
        #expect(job.status == 0, "\(text)")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("result.json"))) as? [String: Any]
        #expect(result?["steps"] as? Int == 4, "\(String(describing: result))")
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("adapter/adapter_config.json").path))
        #expect(text.components(separatedBy: "ms/step, peak RSS").count == 2, "one report, from process 0: \(text)")
    }

    @Test func settingsNameTheBadFlag() {
        var s = LLMRunSettings(model: "m.gguf")
        s.data = "d"
        #expect(throws: Never.self) { try s.validate() }
        s.task = "trec-json"
        #expect(throws: ExampleError.invalidOption("give either --data DIR (train.jsonl, valid.jsonl, test.jsonl) or --task trec-json")) { try s.validate() }
        s.task = nil
        s.rank = 0
        #expect(throws: ExampleError.invalidOption("--rank must be between 1 and 1,000,000, got 0")) { try s.validate() }
        s.rank = 8
        s.learningRate = -1
        #expect(throws: ExampleError.invalidOption("--learning-rate must be in (0, 1), got -1.0")) { try s.validate() }
    }
}
