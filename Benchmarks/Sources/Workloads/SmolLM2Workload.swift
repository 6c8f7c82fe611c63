import Foundation
import FineTuning
import TensorKit

/// The shapes and hyperparameters of the SmolLM2 workloads (mirrored in torch_bench.py).
public enum SmolLM2Shapes {
    /// Prompt tokens and new greedy tokens of `smollm2_generate` (batch 1).
    public static let promptTokens = 128, newTokens = 64
    /// Batch and length of `smollm2_prefill`.
    public static let prefillBatch = 4, prefillLength = 256
    /// Batch and length of the training steps (next-token loss on every position).
    public static let trainBatch = 4, trainLength = 128
    /// Token ids are drawn from `[firstTokenID, vocabulary)`, above the special tokens.
    public static let firstTokenID = 1000
    /// AdamW's learning rate of the training steps (weight decay 0.01, PyTorch's default).
    public static let learningRate = 1e-4
    /// The file the workloads load when no `--model` is given, relative to the repository root.
    public static let defaultModel = "data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

    /// LoRA r 8, α 16, no dropout, on the attention query and value projections of every block
    /// (PEFT's `target_modules=["q_proj", "v_proj"]`).
    public static var lora: LoRAConfig {
        LoRAConfig(rank: 8, alpha: 16, dropout: 0, targetModules: ["attention.query", "attention.value"])
    }

    /// Token ids `[batch, length]` (int32) from SplitMix64, the same ids as the PyTorch peer.
    public static func tokenIDs(seed: UInt64, batch: Int, length: Int, vocabulary: Int) -> Tensor {
        let span = UInt64(vocabulary - firstTokenID)
        let values = MiniLMShapes.splitMix64(seed: seed, count: batch * length).map { Int32(firstTokenID + Int($0 % span)) }
        return Tensor(values, shape: [batch, length])
    }

    /// `path` when given, else ``defaultModel`` found from the working directory or its parents,
    /// or from the repository this source file belongs to; nil when none exists.
    public static func modelFile(_ path: String?) -> String? {
        if let path { return path }
        let fileManager = FileManager.default
        var roots: [URL] = []
        var directory = URL(fileURLWithPath: fileManager.currentDirectoryPath)
        for _ in 0..<4 {
            roots.append(directory)
            directory.deleteLastPathComponent()
        }
        // Benchmarks/Sources/Workloads/SmolLM2Workload.swift → the repository root.
        var source = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { source.deleteLastPathComponent() }
        roots.append(source)
        return roots.map { $0.appendingPathComponent(defaultModel).path }.first { fileManager.fileExists(atPath: $0) }
    }
}

/// Workloads on SmolLM2-135M-Instruct loaded from a GGUF file with ``PretrainedLLM``, float32 or
/// with the block projections kept in their blocks (`quantized`):
///
/// - `generate`: a 128-token prompt, then 64 greedy tokens with the KV cache (`GPT.generate`),
///   batch 1; reports decode tokens/s (the 63 tokens after the first; also per process CPU
///   second, which a loaded machine distorts less: with one thread, the work itself) and the
///   prefill time.
/// - `prefill`: one forward of 4 × 256 tokens into a fresh cache, gradients off.
/// - `loraStep` / `fullStep`: one AdamW step (lr 1e-4) of next-token cross-entropy on 4 × 128
///   tokens, LoRA (``SmolLM2Shapes/lora``) or every weight.
public final class SmolLM2Workload: TrainingWorkload {
    /// What one step does.
    public enum Kind {
        case generate, prefill, loraStep, fullStep
    }

    public let name: String
    public let kind: Kind
    public let model: GPT
    public let optimizer: AdamW?
    /// Prompt ids (generate), the prefill batch, or the training inputs.
    public let ids: Tensor
    /// Next-token targets (training kinds).
    public let targets: Tensor?
    /// Elements of the quantized projection weights and table, counted in `total` like PyTorch's float ones.
    private let quantizedElements: Int
    private var prefillSeconds: [Double] = [], decodeRates: [Double] = [], decodeCPURates: [Double] = []
    private var stepSeconds: [Double] = []

    /// Loads the model from `file` and prepares the batch.
    ///
    /// - Throws: what ``PretrainedLLM`` throws for the file; the LoRA strategy's errors.
    public init(name: String, kind: Kind, file: String, quantized: Bool, seed: UInt64 = 0) throws {
        self.name = name
        self.kind = kind
        let llm = try PretrainedLLM(contentsOf: URL(fileURLWithPath: file), quantized: quantized)
        model = llm.model
        quantizedElements = model.namedModules().reduce(0) { sum, entry in
            switch entry.module {
            case let linear as QuantizedLinear: sum + linear.inFeatures * linear.outFeatures
            case let table as QuantizedEmbedding: sum + table.count * table.dimension
            default: sum
            }
        }
        let vocabulary = model.config.vocabularySize
        switch kind {
        case .generate:
            ids = SmolLM2Shapes.tokenIDs(seed: seed &+ 1, batch: 1, length: SmolLM2Shapes.promptTokens, vocabulary: vocabulary)
            targets = nil
            optimizer = nil
        case .prefill:
            ids = SmolLM2Shapes.tokenIDs(seed: seed &+ 1, batch: SmolLM2Shapes.prefillBatch,
                                         length: SmolLM2Shapes.prefillLength, vocabulary: vocabulary)
            targets = nil
            optimizer = nil
        case .loraStep, .fullStep:
            let tokens = SmolLM2Shapes.tokenIDs(seed: seed &+ 1, batch: SmolLM2Shapes.trainBatch,
                                                length: SmolLM2Shapes.trainLength + 1, vocabulary: vocabulary)
            ids = tokens.slice(axis: 1, 0..<SmolLM2Shapes.trainLength).contiguous()
            targets = tokens.slice(axis: 1, 1..<(SmolLM2Shapes.trainLength + 1)).contiguous()
            if kind == .loraStep {
                try LoRA(SmolLM2Shapes.lora, generator: Generator(seed: seed &+ 2)).apply(to: model)
            }
            model.train()
            optimizer = AdamW(parameters: model.trainableParameters(), learningRate: SmolLM2Shapes.learningRate,
                              weightDecay: 0.01)
        }
    }

    public var rootModule: Module { model }

    public var parameterCounts: (trainable: Int, total: Int) {
        let counts = model.parameterCounts()
        return (counts.trainable, counts.total + quantizedElements)
    }

    /// One generation warms everything up; a training step's second run still allocates
    /// the optimizer's moments.
    public var warmupSteps: Int { kind == .generate ? 1 : 2 }

    public func step() -> Double {
        switch kind {
        case .generate: return generate()
        case .prefill: return prefill()
        case .loraStep, .fullStep:
            let loss = model.loss(ids, targets: targets!)
            loss.backward()
            optimizer!.step()
            optimizer!.zeroGrad()
            return loss.item()
        }
    }

    /// Greedy generation from the prompt; returns the sum of the new ids (a checksum).
    private func generate() -> Double {
        let prompt = ids.scalars(as: Int32.self).map { Int($0) }
        let start = DispatchTime.now().uptimeNanoseconds
        var firstToken: UInt64 = 0, lastToken: UInt64 = 0
        var firstCPU = 0.0, lastCPU = 0.0
        let tokens = model.generate(prompt, maxNewTokens: SmolLM2Shapes.newTokens, sampling: .greedy, onToken: { _ in
            lastToken = DispatchTime.now().uptimeNanoseconds
            lastCPU = Measurement.processCPUSeconds()
            if firstToken == 0 { (firstToken, firstCPU) = (lastToken, lastCPU) }
            return true
        })
        prefillSeconds.append(Double(firstToken - start) / 1e9)
        decodeRates.append(Double(tokens.count - 1) / (Double(lastToken - firstToken) / 1e9))
        decodeCPURates.append(Double(tokens.count - 1) / (lastCPU - firstCPU))
        return Double(tokens.reduce(0, +))
    }

    /// One forward of the prefill batch into a fresh cache; returns the mean of the last
    /// position's logits (a checksum).
    private func prefill() -> Double {
        var logits: Tensor?
        stepSeconds.append(Measurement.seconds {
            logits = withGradientsDisabled { model(ids, cache: model.makeCache()) }
        })
        return withGradientsDisabled { logits!.select(axis: 1, index: SmolLM2Shapes.prefillLength - 1).mean().item() }
    }

    /// Forgets the times of the warm-up steps.
    public func resetTimes() {
        prefillSeconds = []
        decodeRates = []
        decodeCPURates = []
        stepSeconds = []
    }

    public var reportedFields: [(String, Double)]? {
        switch kind {
        case .generate:
            let prefill = Measurement.median(prefillSeconds)
            return [("decode_tokens_per_s", Measurement.median(decodeRates)),
                    ("decode_cpu_tokens_per_s", Measurement.median(decodeCPURates)), ("prefill_ms", prefill * 1e3),
                    ("prefill_tokens_per_s", Double(SmolLM2Shapes.promptTokens) / prefill)]
        case .prefill:
            let seconds = Measurement.median(stepSeconds)
            return [("prefill_tokens_per_s", Double(SmolLM2Shapes.prefillBatch * SmolLM2Shapes.prefillLength) / seconds),
                    ("ms_per_batch", seconds * 1e3)]
        case .loraStep, .fullStep:
            return nil
        }
    }

    public func profiledStep() -> StepPhases {
        guard let optimizer, let targets else {
            var phases = StepPhases()
            phases.forwardMs = Measurement.seconds { phases.loss = step() } * 1e3
            phases.rssAfterForward = Measurement.residentMiB() ?? .nan
            phases.rssAfterBackward = phases.rssAfterForward
            phases.rssAfterOptimizer = phases.rssAfterForward
            return phases
        }
        return StepPhases.training(loss: { self.model.loss(self.ids, targets: targets) }, optimizer: optimizer)
    }
}
