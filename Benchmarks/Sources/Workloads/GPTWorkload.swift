import FineTuning
import TensorKit

/// The shapes every GPT workload shares (mirrored in torch_bench.py).
public enum GPTShapes {
    public static let vocabulary = 256
    public static let dim = 256
    public static let heads = 4
    public static let layers = 4
    public static let hidden = 1024
    public static let sequence = 128
    public static let batch = 16

    /// Decoder-only GPT: learned positions, pre-norm LayerNorm blocks with biases, exact-GELU MLP,
    /// untied head without bias, no dropout.
    public static var config: GPTConfig {
        var config = GPTConfig(vocabularySize: vocabulary, maxPositions: sequence, dim: dim, layers: layers,
                               heads: heads, hidden: hidden)
        config.positions = .learned
        config.norm = .layerNorm
        config.feedForward = .mlp(.gelu)
        config.bias = true
        config.tiedHead = false
        config.headBias = false
        config.dropout = 0
        return config
    }

    /// The LoRA of `gpt_lora`: rank 8, α 16 (scale 2), no dropout, PEFT's Kaiming-uniform A and
    /// zero B, on the attention `query` and `value` projections of every block.
    public static var lora: LoRAConfig {
        LoRAConfig(rank: 8, alpha: 16, dropout: 0, targetModules: ["query", "value"])
    }

    /// Random token ids `[batch, sequence + 1]` (int32), so inputs and next-token targets are the
    /// two overlapping windows.
    public static func tokens(seed: UInt64) -> Tensor {
        let generator = Generator(seed: seed)
        let values = (0..<(batch * (sequence + 1))).map { _ in Int32(generator.nextInt(below: vocabulary)) }
        return Tensor(values, shape: [batch, sequence + 1])
    }
}

/// A decoder-only GPT trained with AdamW (lr 1e-3, weight decay 0.01) on next-token
/// cross-entropy over one fixed random batch; the optimizer gets only the trainable parameters
/// (all of them, the upper blocks and head, or the LoRA adapters).
public final class GPTWorkload: TrainingWorkload {
    /// Which parameters train.
    public enum Strategy {
        case full
        /// The embeddings and the lowest `frozenBlocks` blocks frozen.
        case partial(frozenBlocks: Int)
        /// Everything frozen; LoRA adapters (``GPTShapes/lora``) on the attention query and
        /// value projections train.
        case lora
    }

    public let name: String
    public let model: GPT
    public let optimizer: AdamW
    public let inputs: Tensor
    public let targets: Tensor

    public init(name: String, strategy: Strategy, seed: UInt64 = 0) {
        self.name = name
        model = GPT(GPTShapes.config, generator: Generator(seed: seed))
        if case .partial(let frozenBlocks) = strategy {
            model.tokenEmbedding.freeze()
            model.positionEmbedding?.freeze()
            for block in model.layers.prefix(frozenBlocks) { block.freeze() }
        }
        if case .lora = strategy {
            // The library's LoRA strategy freezes the model and attaches the adapters; only they
            // reach the optimizer below.
            do {
                try LoRA(GPTShapes.lora, generator: Generator(seed: seed &+ 2)).apply(to: model)
            } catch {
                preconditionFailure("gpt_lora: LoRA could not be applied: \(error)")
            }
        }
        optimizer = AdamW(parameters: model.trainableParameters(), learningRate: 1e-3, weightDecay: 0.01)
        let tokens = GPTShapes.tokens(seed: seed &+ 1)
        inputs = tokens.slice(axis: 1, 0..<GPTShapes.sequence).contiguous()
        targets = tokens.slice(axis: 1, 1..<(GPTShapes.sequence + 1)).contiguous()
    }

    public var rootModule: Module { model }

    public var parameterCounts: (trainable: Int, total: Int) { model.parameterCounts() }

    public func step() -> Double {
        let loss = model.loss(inputs, targets: targets)
        loss.backward()
        optimizer.step()
        optimizer.zeroGrad()
        return loss.item()
    }

    public func profiledStep() -> StepPhases {
        StepPhases.training(loss: { model.loss(inputs, targets: targets) }, optimizer: optimizer)
    }
}
