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
    /// Sequences one step processes, for inference workloads (train-bench then reports
    /// `sentences_per_s` and `ms_per_batch`); nil for training workloads.
    var sequencesPerStep: Int? { get }
    /// Untimed steps before the timed ones (3 unless a workload's steps are long).
    var warmupSteps: Int { get }
    /// What the workload measured itself over the timed steps (`decode_tokens_per_s`, ...),
    /// printed in place of `ms_per_step`; nil for workloads timed by train-bench alone.
    var reportedFields: [(String, Double)]? { get }
    /// Forgets what the warm-up steps measured (before the timed steps).
    func resetTimes()
    /// The model a step runs (for switches such as `train-bench --separate-projections`).
    var rootModule: Module { get }
}

extension TrainingWorkload {
    public var sequencesPerStep: Int? { nil }
    public var warmupSteps: Int { 3 }
    public var reportedFields: [(String, Double)]? { nil }
    public func resetTimes() {}
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

    /// One training step timed phase by phase: `loss()` (forward), backward, then the optimizer
    /// step and clearing the gradients.
    public static func training(loss makeLoss: () -> Tensor, optimizer: AdamW) -> StepPhases {
        var phases = StepPhases()
        var loss: Tensor?
        phases.forwardMs = Measurement.seconds { loss = makeLoss() } * 1e3
        phases.rssAfterForward = Measurement.residentMiB() ?? .nan
        phases.backwardMs = Measurement.seconds { loss!.backward() } * 1e3
        phases.rssAfterBackward = Measurement.residentMiB() ?? .nan
        phases.optimizerMs = Measurement.seconds {
            optimizer.step()
            optimizer.zeroGrad()
        } * 1e3
        phases.rssAfterOptimizer = Measurement.residentMiB() ?? .nan
        phases.loss = loss!.item()
        return phases
    }
}

/// Why a workload could not be prepared.
public enum WorkloadError: Error, CustomStringConvertible {
    /// The name is not a workload at all.
    case unknown(String)
    /// The workload is planned, but the library pieces it needs are not in yet.
    case notAvailableYet(String, needs: String)
    /// The workload needs a model directory (`--model DIR`).
    case needsModel(String)
    /// The model directory could not be loaded.
    case modelUnreadable(String, reason: String)
    /// No `--model FILE.gguf` was given and the default SmolLM2 file is not there.
    case needsGGUF(String)

    public var description: String {
        switch self {
        case .unknown(let name):
            "unknown workload '\(name)'; known: \(WorkloadCatalog.names.joined(separator: ", "))"
        case .notAvailableYet(let name, let needs):
            "workload '\(name)' is not available yet: it needs \(needs)"
        case .needsModel(let name):
            "workload '\(name)' needs --model DIR (a sentence-transformers MiniLM directory)"
        case .needsGGUF(let name):
            "workload '\(name)' needs --model FILE.gguf (default \(SmolLM2Shapes.defaultModel) under the repository root; `make llm` fetches it)"
        case .modelUnreadable(let name, let reason):
            "workload '\(name)': the model could not be loaded: \(reason)"
        }
    }
}

/// Every workload by name. Add a new one here and in torch_bench.py's WORKLOADS, with the same name.
public enum WorkloadCatalog {
    /// All names, available or not, in the order the race runs them.
    public static let names = ["gpt_full", "gpt_partial", "gpt_lora", "minilm_embed", "minilm_embed_real",
                               "minilm_lora_step", "minilm_full_step"]
        + smolLM2Names

    /// The SmolLM2 workloads (`--model FILE.gguf`); `_quantized` loads the projections in their
    /// GGUF blocks (``PretrainedLLM`` with `quantized: true`), as `smollm2_qlora_step` does.
    public static let smolLM2Names = ["smollm2_generate", "smollm2_generate_quantized", "smollm2_prefill",
                                      "smollm2_prefill_quantized", "smollm2_lora_step", "smollm2_qlora_step",
                                      "smollm2_full_step"]

    /// Builds workload `name`. `seed` fixes initial weights and the batch.
    public static func make(_ name: String, modelDirectory: String? = nil, seed: UInt64 = 0) throws -> any TrainingWorkload {
        switch name {
        case "gpt_full":
            return GPTWorkload(name: name, strategy: .full, seed: seed)
        case "gpt_partial":
            return GPTWorkload(name: name, strategy: .partial(frozenBlocks: 2), seed: seed)
        case "gpt_lora":
            return GPTWorkload(name: name, strategy: .lora, seed: seed)
        case "minilm_embed_real":
            guard let modelDirectory else { throw WorkloadError.needsModel(name) }
            do {
                return try MiniLMEmbedRealWorkload(name: name, directory: modelDirectory)
            } catch let error as WorkloadError {
                throw error
            } catch {
                throw WorkloadError.modelUnreadable(name, reason: "\(error)")
            }
        case "minilm_embed", "minilm_lora_step", "minilm_full_step":
            guard let modelDirectory else { throw WorkloadError.needsModel(name) }
            let kind: MiniLMWorkload.Kind = name == "minilm_embed" ? .embed : name == "minilm_lora_step" ? .loraStep : .fullStep
            do {
                return try MiniLMWorkload(name: name, kind: kind, directory: modelDirectory, seed: seed)
            } catch {
                throw WorkloadError.modelUnreadable(name, reason: "\(error)")
            }
        case _ where smolLM2Names.contains(name):
            guard let file = SmolLM2Shapes.modelFile(modelDirectory) else { throw WorkloadError.needsGGUF(name) }
            let kind: SmolLM2Workload.Kind = name.hasPrefix("smollm2_generate") ? .generate
                : name.hasPrefix("smollm2_prefill") ? .prefill : name == "smollm2_full_step" ? .fullStep : .loraStep
            let quantized = name.hasSuffix("_quantized") || name == "smollm2_qlora_step"
            do {
                return try SmolLM2Workload(name: name, kind: kind, file: file, quantized: quantized, seed: seed)
            } catch {
                throw WorkloadError.modelUnreadable(name, reason: "\(error)")
            }
        default:
            throw WorkloadError.unknown(name)
        }
    }
}
