// One training step (forward, loss, backward, AdamW) of the workloads train-bench runs, and one
// no-grad MiniLM embedding batch.
//
//     swift package --package-path Benchmarks benchmark --target ModelBenchmarks
//
// The minilm_* benchmarks need all-MiniLM-L6-v2: $MINILM_DIR, else data/all-MiniLM-L6-v2 under
// the repository root (`make model`); without it they are not registered.
import Benchmark
import Foundation
import Workloads

/// Keeps one workload across the runner's iterations (it calls the closure once per iteration),
/// so warm-up iterations warm the model, its optimizer state and the buffer cache, as in training.
private final class WorkloadHolder {
    let name: String
    let modelDirectory: String?
    private var workload: (any TrainingWorkload)?

    init(_ name: String, modelDirectory: String? = nil) {
        self.name = name
        self.modelDirectory = modelDirectory
    }

    var value: any TrainingWorkload {
        if let workload { return workload }
        // Built on first use so a filtered run builds only the model it times.
        let made = try! WorkloadCatalog.make(name, modelDirectory: modelDirectory)
        workload = made
        return made
    }
}

/// The MiniLM folder, if there is one.
private func miniLMDirectory() -> String? {
    let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [ProcessInfo.processInfo.environment["MINILM_DIR"],
                      repository.appendingPathComponent("data/all-MiniLM-L6-v2").path].compactMap { $0 }
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/config.json") }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 3, maxDuration: .seconds(5), maxIterations: 5)
    // A MiniLM step is several times a GPT step: fewer iterations.
    let miniLMConfiguration = Benchmark.Configuration(
        metrics: configuration.metrics, warmupIterations: 2, maxDuration: .seconds(5), maxIterations: 3)
    var workloads: [(name: String, title: String, model: String?)] =
        ["gpt_full", "gpt_partial", "gpt_lora"].map { ($0, "\($0) training step", nil) }
    if let model = miniLMDirectory() {
        workloads += [("minilm_embed", "minilm_embed batch of 32", model),
                      ("minilm_lora_step", "minilm_lora_step training step", model),
                      ("minilm_full_step", "minilm_full_step training step", model)]
    } else {
        print("ModelBenchmarks: all-MiniLM-L6-v2 not found (set MINILM_DIR or run `make model`); skipping minilm_*")
    }
    for (name, title, model) in workloads {
        let holder = WorkloadHolder(name, modelDirectory: model)
        Benchmark(title, configuration: model == nil ? configuration : miniLMConfiguration) { benchmark in
            let workload = holder.value
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(workload.step()) }
        }
    }
}
