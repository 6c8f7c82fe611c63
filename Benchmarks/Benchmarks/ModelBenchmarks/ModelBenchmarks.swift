// One training step (forward, loss, backward, AdamW) of the GPT workloads train-bench runs.
//
//     swift package --package-path Benchmarks benchmark --target ModelBenchmarks
import Benchmark
import Workloads

/// Keeps one workload across the runner's iterations (it calls the closure once per iteration),
/// so warm-up iterations warm the model, its optimizer state and the buffer cache, as in training.
private final class WorkloadHolder {
    let name: String
    private var workload: (any TrainingWorkload)?

    init(_ name: String) { self.name = name }

    var value: any TrainingWorkload {
        if let workload { return workload }
        // Built on first use so a filtered run builds only the model it times.
        let made = try! WorkloadCatalog.make(name)
        workload = made
        return made
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 3, maxDuration: .seconds(5), maxIterations: 5)
    for name in ["gpt_full", "gpt_partial"] {
        let holder = WorkloadHolder(name)
        Benchmark("\(name) training step", configuration: configuration) { benchmark in
            let workload = holder.value
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(workload.step()) }
        }
    }
}
