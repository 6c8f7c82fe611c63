// Times training steps of one workload and prints one JSON line:
//
//     swift run -c release --package-path Benchmarks train-bench --workload gpt_full --steps 10
//     {"workload": "gpt_full", "ms_per_step": 512.3, "peak_rss_mb": 180.2, "trainable": 3323392, "total": 3323392, "loss": 5.61, "first_loss": 5.55}
//
// Inference workloads (minilm_embed) print `sentences_per_s` and `ms_per_batch` in place of
// `ms_per_step`; `loss` is then the mean of the pooled embeddings (a checksum). The SmolLM2
// inference workloads print what they measure themselves (`decode_tokens_per_s`, `prefill_ms`,
// `prefill_tokens_per_s`; `smollm2_prefill`: `prefill_tokens_per_s`, `ms_per_batch`).
//
// Benchmarks/peers/torch_bench.py prints the same keys for the same workload in PyTorch, and
// Benchmarks/peers/race.py runs the two alternately.
import ArgumentParser
import FineTuning
import Foundation
@_spi(Benchmarking) import TensorKit
import Workloads

@main
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-bench",
        abstract: "Time training steps of a workload; prints one JSON line.",
        discussion: "Workloads: \(WorkloadCatalog.names.joined(separator: ", ")).")

    @Option(help: "The workload to run.")
    var workload: String

    @Option(help: "Timed steps (after 3 warm-up steps, 1 for smollm2_*); the median is reported.")
    var steps: Int = 10

    @Option(help: "The pretrained model: a MiniLM directory (minilm_*) or a GGUF file (smollm2_*, default data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf).")
    var model: String?

    @Option(help: "Seed for the initial weights and the random batch.")
    var seed: UInt64 = 0

    @Flag(help: "Run the query/key/value projections of every attention layer and the gate/up projections of every gated feed-forward network one by one, SwiGLU unfused (MultiHeadAttention.packsProjections = false, FeedForward.packsProjections = false), the reference for the packed paths.")
    var separateProjections = false

    @Flag(help: "Recompute each transformer block in the backward instead of keeping its activations (GPT.gradientCheckpointing; the smollm2_*_step and gpt_* workloads), as PEFT's QLoRA recipe does; adds \"gradient_checkpointing\": true to the JSON line.")
    var gradientCheckpointing = false

    @Flag(help: "After the timed steps, record the matrix products of one step and time them replayed through raw cblas_sgemm on preallocated buffers (median over --steps replays): adds gemm_limit_ms, gemm_limit_cpu_ms (process CPU time), gemm_calls and gemm_gflop to the JSON line.")
    var limit = false

    @Flag(help: "After the timed steps, time forward / backward / optimizer separately over as many steps and print them (and resident memory after each) as a JSON line on stderr.")
    var phases = false

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive, got \(steps)") }
    }

    func run() throws {
        let job: any TrainingWorkload
        do {
            job = try WorkloadCatalog.make(workload, modelDirectory: model, seed: seed)
        } catch let error as WorkloadError {
            FileHandle.standardError.write(Data("train-bench: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if separateProjections {
            for (_, module) in job.rootModule.namedModules() {
                (module as? MultiHeadAttention)?.packsProjections = false
                (module as? FeedForward)?.packsProjections = false
            }
        }
        if gradientCheckpointing {
            let models = job.rootModule.namedModules().compactMap { $0.1 as? GPT }
            let inference = (job as? SmolLM2Workload).map { $0.kind == .generate || $0.kind == .prefill } ?? false
            guard !models.isEmpty, !inference else {
                FileHandle.standardError.write(Data("train-bench: --gradient-checkpointing needs a training step of a GPT model (gpt_*, smollm2_*_step), not '\(workload)'\n".utf8))
                throw ExitCode(2)
            }
            for model in models { model.gradientCheckpointing = true }
        }
        let setupRSS = Measurement.residentMiB() ?? .nan
        var loss = 0.0, firstLoss = 0.0
        for index in 0..<job.warmupSteps {
            loss = job.step()
            if index == 0 { firstLoss = loss }
        }
        job.resetTimes()
        var times: [Double] = [], cpuTimes: [Double] = []
        for _ in 0..<steps {
            cpuTimes.append(Measurement.cpuSeconds { times.append(Measurement.seconds { loss = job.step() }) })
        }
        let counts = job.parameterCounts
        let rss = Measurement.peakResidentMiB() ?? .nan
        let limitFields = limit ? gemmLimit(job) : []
        let median = Measurement.median(times)
        var fields = ["\"workload\": \"\(workload)\""]
        if let reported = job.reportedFields {
            fields += reported.map { "\"\($0.0)\": \(String(format: "%.3f", $0.1))" }
        } else if let sequences = job.sequencesPerStep {
            // Inference: a step is one batch.
            fields.append("\"sentences_per_s\": \(String(format: "%.2f", Double(sequences) / median))")
            fields.append("\"ms_per_batch\": \(String(format: "%.3f", median * 1e3))")
        } else {
            fields.append("\"ms_per_step\": \(String(format: "%.3f", median * 1e3))")
        }
        fields += [
            "\"peak_rss_mb\": \(String(format: "%.1f", rss))",
            "\"trainable\": \(counts.trainable)",
            "\"total\": \(counts.total)",
            "\"loss\": \(String(format: "%.6f", loss))",
            "\"first_loss\": \(String(format: "%.6f", firstLoss))",
            // Process CPU time of a step (or batch), median: robust to other jobs on one thread.
            "\"cpu_ms\": \(String(format: "%.3f", Measurement.median(cpuTimes) * 1e3))",
        ] + limitFields + (gradientCheckpointing ? ["\"gradient_checkpointing\": true"] : [])
        print("{" + fields.joined(separator: ", ") + "}")
        if phases { printPhases(job, setupRSS: setupRSS) }
    }

    /// The limit column: one step's products replayed through raw BLAS (after one untimed replay).
    private func gemmLimit(_ job: any TrainingWorkload) -> [String] {
        let calls = GEMMRecording.record { _ = job.step() }.calls
        let replay = GEMMReplay(calls: calls)
        // TensorKit runs OpenBLAS on one thread and splits products itself; the limit is the
        // library threading each product as a direct caller gets it.
        GEMMReplay.setLibraryThreads(Threads.blasThreads ?? 1)
        defer { GEMMReplay.setLibraryThreads(1) }
        replay.run()
        var times: [Double] = [], cpuTimes: [Double] = []
        for _ in 0..<steps {
            cpuTimes.append(Measurement.cpuSeconds { times.append(Measurement.seconds { replay.run() }) })
        }
        return [
            "\"gemm_limit_ms\": \(String(format: "%.3f", Measurement.median(times) * 1e3))",
            "\"gemm_limit_cpu_ms\": \(String(format: "%.3f", Measurement.median(cpuTimes) * 1e3))",
            "\"gemm_calls\": \(calls.count)",
            "\"gemm_gflop\": \(String(format: "%.3f", replay.flops / 1e9))",
        ]
    }

    private func printPhases(_ job: any TrainingWorkload, setupRSS: Double) {
        let setupTensors = Double(Memory.activeBytes) / 1_048_576
        Memory.resetPeak()
        let runs = (0..<steps).map { _ in job.profiledStep() }
        func ms(_ key: KeyPath<StepPhases, Double>) -> String {
            String(format: "%.3f", Measurement.median(runs.map { $0[keyPath: key] }))
        }
        func mb(_ key: KeyPath<StepPhases, Double>) -> String { String(format: "%.1f", runs.last![keyPath: key]) }
        let fields = [
            "\"workload\": \"\(workload)\"", "\"forward_ms\": \(ms(\.forwardMs))", "\"backward_ms\": \(ms(\.backwardMs))",
            "\"optimizer_ms\": \(ms(\.optimizerMs))", "\"rss_after_setup_mb\": \(String(format: "%.1f", setupRSS))",
            "\"rss_after_forward_mb\": \(mb(\.rssAfterForward))", "\"rss_after_backward_mb\": \(mb(\.rssAfterBackward))",
            "\"rss_after_optimizer_mb\": \(mb(\.rssAfterOptimizer))",
            // What tensors hold (TensorKit's own count): before the steps, at most during them, and
            // the freed buffers kept for reuse at the end.
            "\"tensors_after_setup_mb\": \(String(format: "%.1f", setupTensors))",
            "\"tensors_peak_mb\": \(String(format: "%.1f", Double(Memory.peakActiveBytes) / 1_048_576))",
            "\"cached_mb\": \(String(format: "%.1f", Double(Memory.cachedBytes) / 1_048_576))",
        ]
        FileHandle.standardError.write(Data(("{" + fields.joined(separator: ", ") + "}\n").utf8))
    }
}
