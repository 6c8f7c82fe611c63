// One training step (forward, loss, backward, AdamW) of the GPT workloads train-bench runs.
//
//     swift package --package-path Benchmarks benchmark --target ModelBenchmarks
import Benchmark
import Workloads

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 2, maxDuration: .seconds(5), maxIterations: 5)
    for name in ["gpt_full", "gpt_partial"] {
        Benchmark("\(name) training step", configuration: configuration) { benchmark in
            // Built inside the closure so a filtered run builds only the model it times.
            let workload = try! WorkloadCatalog.make(name)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(workload.step()) }
        }
    }
}
