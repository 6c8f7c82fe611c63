import Foundation
import FineTuning
import TensorKit

/// The batch and hyperparameters every MiniLM workload shares (mirrored in torch_bench.py).
public enum MiniLMShapes {
    /// Sentences per batch.
    public static let batch = 32
    /// Tokens per sentence (no padding: the attention mask is all ones).
    public static let length = 64
    /// Classes of the linear head of the training workloads.
    public static let classes = 2
    /// Token ids are drawn from `[firstTokenID, vocabulary)`: BERT's vocabulary keeps `[PAD]`,
    /// `[unused…]`, `[CLS]`, `[SEP]` and `[MASK]` below it.
    public static let firstTokenID = 1000
    /// AdamW's learning rate for the training workloads (weight decay 0.01, PyTorch's default).
    public static let learningRate = 1e-4

    /// The LoRA of `minilm_lora_step`: rank 8, α 16, no adapter dropout, on the attention
    /// `query` and `value` projections; the classifier head trains fully.
    public static var lora: LoRAConfig {
        LoRAConfig(rank: 8, alpha: 16, dropout: 0, targetModules: ["query", "value"], modulesToSave: ["classifier"])
    }

    /// `count` draws of SplitMix64 from `seed`. Python's peer runs the same few lines, so both
    /// sides feed the model exactly the same token ids and labels (the `minilm_embed` checksum
    /// can then be compared across sides).
    public static func splitMix64(seed: UInt64, count: Int) -> [UInt64] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Token ids `[batch, length]` (int32) in `[firstTokenID, vocabulary)`.
    public static func tokenIDs(seed: UInt64, vocabulary: Int) -> Tensor {
        let span = UInt64(vocabulary - firstTokenID)
        let values = splitMix64(seed: seed, count: batch * length).map { Int32(firstTokenID + Int($0 % span)) }
        return Tensor(values, shape: [batch, length])
    }

    /// Class labels `[batch]` (int32) in `[0, classes)`.
    public static func labels(seed: UInt64) -> Tensor {
        Tensor(splitMix64(seed: seed, count: batch).map { Int32($0 % UInt64(classes)) }, shape: [batch])
    }
}

/// Workloads on the pretrained all-MiniLM-L6-v2 (6 blocks, width 384, 12 heads) loaded with
/// ``PretrainedEncoder`` from a Hugging Face folder, on one fixed batch of 32 × 64 token ids with
/// a full attention mask and mean pooling:
///
/// - `embed`: inference (evaluation mode, gradients disabled); the "loss" is the mean of the
///   pooled embeddings, a checksum comparable across sides.
/// - `loraStep` / `fullStep`: one training step of a 2-class linear head on the mean-pooled
///   output (``SequenceClassifier`` with `.mean` pooling: pooled → dropout → Linear), cross-entropy
///   against random labels, AdamW lr 1e-4, training mode (hidden dropout 0.1 from `config.json`).
///   LoRA trains the ``MiniLMShapes/lora`` adapters and the head; full trains every weight.
public final class MiniLMWorkload: TrainingWorkload {
    /// What one step does.
    public enum Kind {
        case embed, loraStep, fullStep
    }

    public let name: String
    public let kind: Kind
    /// The pretrained encoder (inside ``classifier`` for the training kinds).
    public let encoder: Encoder
    /// The encoder with its head (training kinds only).
    public let classifier: SequenceClassifier?
    public let optimizer: AdamW?
    public let ids: Tensor
    public let mask: Tensor
    public let labels: Tensor

    /// Loads the model from `directory` and prepares the batch.
    ///
    /// - Throws: ``PretrainedError`` when the folder is not a loadable BERT checkpoint.
    public init(name: String, kind: Kind, directory: String, seed: UInt64 = 0) throws {
        self.name = name
        self.kind = kind
        let pretrained = try PretrainedEncoder(directory: URL(fileURLWithPath: directory))
        encoder = pretrained.encoder
        ids = MiniLMShapes.tokenIDs(seed: seed &+ 1, vocabulary: pretrained.config.encoderConfig().vocabularySize)
        mask = Tensor.ones([MiniLMShapes.batch, MiniLMShapes.length], dtype: .int32)
        labels = MiniLMShapes.labels(seed: seed &+ 3)
        switch kind {
        case .embed:
            encoder.eval()
            classifier = nil
            optimizer = nil
        case .loraStep, .fullStep:
            let model = SequenceClassifier(encoder: encoder, classes: MiniLMShapes.classes, pooling: .mean,
                                           generator: Generator(seed: seed))
            model.train()
            if kind == .loraStep {
                try LoRA(MiniLMShapes.lora, generator: Generator(seed: seed &+ 2)).apply(to: model)
            }
            classifier = model
            optimizer = AdamW(parameters: model.trainableParameters(), learningRate: MiniLMShapes.learningRate,
                              weightDecay: 0.01)
        }
    }

    public var rootModule: Module { classifier ?? encoder }

    public var parameterCounts: (trainable: Int, total: Int) {
        classifier?.parameterCounts() ?? encoder.parameterCounts()
    }

    public var sequencesPerStep: Int? { kind == .embed ? MiniLMShapes.batch : nil }

    /// Mean-pooled embeddings `[batch, 384]` of the batch, without gradients.
    public func embed() -> Tensor {
        withGradientsDisabled { meanPooling(encoder(ids, mask: mask), mask: mask) }
    }

    /// The training loss (training kinds).
    func loss() -> Tensor {
        Tensor.crossEntropy(logits: classifier!(ids, mask: mask), targets: labels)
    }

    public func step() -> Double {
        guard let optimizer else { return embed().mean().item() }
        let loss = loss()
        loss.backward()
        optimizer.step()
        optimizer.zeroGrad()
        return loss.item()
    }

    public func profiledStep() -> StepPhases {
        var phases = StepPhases()
        guard let optimizer else {
            var pooled: Tensor?
            phases.forwardMs = Measurement.seconds { pooled = embed() } * 1e3
            phases.rssAfterForward = Measurement.residentMiB() ?? .nan
            phases.rssAfterBackward = phases.rssAfterForward
            phases.rssAfterOptimizer = phases.rssAfterForward
            phases.loss = pooled!.mean().item()
            return phases
        }
        return StepPhases.training(loss: { self.loss() }, optimizer: optimizer)
    }
}
