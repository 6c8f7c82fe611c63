// The training workloads that train-bench times and that the PyTorch peer
// (Benchmarks/peers/torch_bench.py) reproduces with the same shapes, hyperparameters and names.
import FineTuning
import TensorKit

/// One prepared training workload: a model, its optimizer and a fixed batch, ready to step.
public protocol TrainingWorkload: AnyObject {
    /// The name train-bench was asked for (`gpt_full`, ...).
    var name: String { get }
    /// Trainable and total parameter element counts.
    var parameterCounts: (trainable: Int, total: Int) { get }
    /// One full step (forward, loss, backward, optimizer update, gradients cleared); returns the loss.
    func step() -> Double
    /// The same step, timed phase by phase (for `train-bench --phases`).
    func profiledStep() -> StepPhases
}

/// Where one step's time and memory go.
public struct StepPhases {
    /// Milliseconds in forward + loss, backward, and optimizer update (+ clearing gradients).
    public var forwardMs = 0.0, backwardMs = 0.0, optimizerMs = 0.0
    /// Resident MiB after each phase (`VmRSS`).
    public var rssAfterForward = 0.0, rssAfterBackward = 0.0, rssAfterOptimizer = 0.0
    /// The loss of the step.
    public var loss = 0.0

    public init() {}
}

/// Why a workload could not be prepared.
public enum WorkloadError: Error, CustomStringConvertible {
    /// The name is not a workload at all.
    case unknown(String)
    /// The workload is planned, but the library pieces it needs are not in yet.
    case notAvailableYet(String, needs: String)
    /// The workload needs a model directory (`--model DIR`).
    case needsModel(String)

    public var description: String {
        switch self {
        case .unknown(let name):
            "unknown workload '\(name)'; known: \(WorkloadCatalog.names.joined(separator: ", "))"
        case .notAvailableYet(let name, let needs):
            "workload '\(name)' is not available yet: it needs \(needs)"
        case .needsModel(let name):
            "workload '\(name)' needs --model DIR (a sentence-transformers MiniLM directory)"
        }
    }
}

/// Every workload by name. Add a new one here and in torch_bench.py's WORKLOADS, with the same name.
public enum WorkloadCatalog {
    /// All names, available or not, in the order the race runs them.
    public static let names = ["gpt_full", "gpt_partial", "gpt_lora", "minilm_embed", "minilm_lora_step", "minilm_full_step"]

    /// Builds workload `name`. `seed` fixes initial weights and the batch.
    public static func make(_ name: String, modelDirectory: String? = nil, seed: UInt64 = 0) throws -> any TrainingWorkload {
        switch name {
        case "gpt_full":
            return GPTWorkload(name: name, strategy: .full, seed: seed)
        case "gpt_partial":
            return GPTWorkload(name: name, strategy: .partial(frozenBlocks: 2), seed: seed)
        // Extension points. gpt_lora: GPTWorkload with LoRA on the attention projections
        // (rank 8, α 16, targets query/key/value/output) once Linear adapters land; the optimizer
        // then gets only the adapter parameters. The MiniLM workloads load
        // sentence-transformers/all-MiniLM-L6-v2 from `modelDirectory` with the pretrained loader:
        // minilm_embed = a no-grad forward plus mean pooling of a batch of 16 sentences of 128
        // tokens; minilm_lora_step / minilm_full_step = one training step of a contrastive or
        // classification head on the same batch.
        case "gpt_lora":
            throw WorkloadError.notAvailableYet(name, needs: "LoRA adapters on Linear (FineTuning Strategies/LoRA)")
        case "minilm_embed", "minilm_lora_step", "minilm_full_step":
            guard modelDirectory != nil else { throw WorkloadError.needsModel(name) }
            throw WorkloadError.notAvailableYet(name, needs: "the pretrained MiniLM loader (FineTuning Pretrained/)"
                                                    + (name == "minilm_lora_step" ? " and LoRA adapters" : ""))
        default:
            throw WorkloadError.unknown(name)
        }
    }
}
