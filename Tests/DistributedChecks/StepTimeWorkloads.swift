import FineTuning
import Foundation

/// One process's share of a data-parallel training step: the model, its trainable parameters
/// and the loss of this process's rows of a fixed global batch.
struct StepTimeWorkload {
    /// The loss of this process's rows (forward pass; backward is the caller's).
    let loss: () -> Tensor
    /// The parameters whose gradients are all-reduced and updated.
    let parameters: [Tensor]
    /// Trainable parameters with `requiresGrad`, broadcast from process 0 before the first step.
    let named: [(name: String, tensor: Tensor)]
    /// This process's batch rows.
    let rows: Int

    /// The workloads `step-time` knows, with the shapes of the Benchmarks package's namesakes.
    static let names = ["gpt_lora", "gpt_full", "minilm_lora_step", "smollm2_lora_step"]

    /// Builds `name` for process `rank` of `size`; `model` is the MiniLM folder or the SmolLM2
    /// GGUF file for the pretrained workloads (defaults under data/).
    static func make(_ name: String, rank: Int, size: Int, model: String?) throws -> StepTimeWorkload {
        switch name {
        case "gpt_lora", "gpt_full": return try gpt(lora: name == "gpt_lora", rank: rank, size: size)
        case "minilm_lora_step": return try miniLM(directory: model ?? "data/all-MiniLM-L6-v2", rank: rank, size: size)
        case "smollm2_lora_step":
            return try smolLM2(file: model ?? "data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", rank: rank, size: size)
        default: throw CheckFailure("unknown step-time workload '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }

    /// `gpt_lora` / `gpt_full`: 4 blocks, width 256, 4 heads, MLP 1024, sequence 128, global
    /// batch 16; LoRA rank 8 on query and value.
    private static func gpt(lora: Bool, rank: Int, size: Int) throws -> StepTimeWorkload {
        let globalBatch = 16, sequence = 128
        var config = GPTConfig(vocabularySize: 256, maxPositions: sequence, dim: 256, layers: 4, heads: 4, hidden: 1024)
        config.positions = .learned
        config.norm = .layerNorm
        config.feedForward = .mlp(.gelu)
        config.bias = true
        config.tiedHead = false
        config.dropout = 0
        let model = GPT(config, generator: Generator(seed: 0))
        if lora {
            try LoRA(LoRAConfig(rank: 8, alpha: 16, dropout: 0, targetModules: ["query", "value"]), generator: Generator(seed: 2)).apply(to: model)
        }
        let (inputs, targets, rows) = try shareOfTokens(globalBatch: globalBatch, length: sequence, vocabulary: 256,
                                                        firstID: 0, rank: rank, size: size)
        return StepTimeWorkload(loss: { model.loss(inputs, targets: targets) }, parameters: model.trainableParameters(),
                                named: model.namedParameters().filter { $0.tensor.requiresGrad }, rows: rows)
    }

    /// `minilm_lora_step`: all-MiniLM-L6-v2 with a 2-class head on mean pooling, LoRA r 8 on
    /// query and value (head trained fully), global batch 32 × 64 tokens, training mode.
    private static func miniLM(directory: String, rank: Int, size: Int) throws -> StepTimeWorkload {
        let pretrained = try PretrainedEncoder(directory: URL(fileURLWithPath: directory))
        let model = SequenceClassifier(encoder: pretrained.encoder, classes: 2, pooling: .mean, generator: Generator(seed: 0))
        model.train()
        try LoRA(LoRAConfig(rank: 8, alpha: 16, dropout: 0, targetModules: ["query", "value"], modulesToSave: ["classifier"]),
                 generator: Generator(seed: 2)).apply(to: model)
        let globalBatch = 32, length = 64
        let vocabulary = pretrained.config.encoderConfig().vocabularySize
        let (ids, _, rows) = try shareOfTokens(globalBatch: globalBatch, length: length - 1, vocabulary: vocabulary,
                                              firstID: 1000, rank: rank, size: size, keepAll: true)
        let labels = Tensor((0..<rows).map { Int32(($0 + rank * rows) % 2) }, shape: [rows])
        let mask = Tensor.ones([rows, length], dtype: .int32)
        return StepTimeWorkload(loss: { Tensor.crossEntropy(logits: model(ids, mask: mask), targets: labels) },
                                parameters: model.trainableParameters(),
                                named: model.namedParameters().filter { $0.tensor.requiresGrad }, rows: rows)
    }

    /// `smollm2_lora_step`: SmolLM2-135M-Instruct (float32 from the GGUF), LoRA r 8 on the
    /// attention query and value of every block, next-token loss on a global batch of 4 × 128.
    private static func smolLM2(file: String, rank: Int, size: Int) throws -> StepTimeWorkload {
        let model = try PretrainedLLM(contentsOf: URL(fileURLWithPath: file)).model
        try LoRA(LoRAConfig(rank: 8, alpha: 16, dropout: 0, targetModules: ["attention.query", "attention.value"]),
                 generator: Generator(seed: 2)).apply(to: model)
        model.train()
        let (inputs, targets, rows) = try shareOfTokens(globalBatch: 4, length: 128, vocabulary: model.config.vocabularySize,
                                                        firstID: 1000, rank: rank, size: size)
        return StepTimeWorkload(loss: { model.loss(inputs, targets: targets) }, parameters: model.trainableParameters(),
                                named: model.namedParameters().filter { $0.tensor.requiresGrad }, rows: rows)
    }

    /// This process's rows of one seeded global batch of `length + 1` ids per row: inputs and
    /// next-token targets (`length` each), or, with `keepAll`, all `length + 1` ids as inputs.
    private static func shareOfTokens(globalBatch: Int, length: Int, vocabulary: Int, firstID: Int, rank: Int, size: Int,
                                      keepAll: Bool = false) throws -> (Tensor, Tensor, Int) {
        try require(globalBatch % size == 0, "the global batch \(globalBatch) does not split over \(size) processes")
        let generator = Generator(seed: 1)
        let all = (0..<(globalBatch * (length + 1))).map { _ in Int32(firstID + generator.nextInt(below: vocabulary - firstID)) }
        let rows = globalBatch / size, first = rank * rows * (length + 1)
        let tokens = Tensor(Array(all[first..<(first + rows * (length + 1))]), shape: [rows, length + 1])
        if keepAll { return (tokens, tokens, rows) }
        return (tokens.slice(axis: 1, 0..<length).contiguous(), tokens.slice(axis: 1, 1..<(length + 1)).contiguous(), rows)
    }
}
